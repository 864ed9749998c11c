# stub: rake 0.8.7 ruby lib
Gem::Specification.new do |s|
  s.name = %q{rake}
  s.version = Gem::Version.new("0.8.7")
  s.licenses = ["MIT".freeze,
    %q<BSD>]
  s.platform = "java"
end
