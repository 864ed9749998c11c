module example.com/vulnerable-app

go 1.19

require golang.org/x/text v0.3.5
