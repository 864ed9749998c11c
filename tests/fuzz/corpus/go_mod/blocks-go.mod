module "example.com/q"

go 1.21
toolchain go1.21.3

require (
	`example.com/raw` v1.0.0 // indirect
	example.com/b v0.0.0-20200804184101-5ec99f83aff1
)

replace (
	example.com/b => ../b
	example.com/raw v1.0.0 => example.com/fork v1.2.0
)
exclude example.com/c v1.0.0
retract [v1.0.0, v1.0.5]
