// Package URLs (github.com/package-url/purl-spec) for inventory packages.
#pragma once

#include <string>

#include "inventory/package.h"

namespace moat {

// "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12". `os` may be null.
std::string package_url(const Package& package, const OsInfo* os);

}  // namespace moat
