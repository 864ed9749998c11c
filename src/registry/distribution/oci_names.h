// The distribution spec's grammar for repository names, tags and references, and its error
// bodies ({"errors":[{"code","message","detail"}]}).
#pragma once

#include <string>
#include <string_view>

#include "registry/http/http_message.h"

namespace moat::registry {

// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*, at most 255 bytes.
bool is_repository_name(std::string_view name);
// [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
bool is_tag(std::string_view tag);

// An OCI error answer: `code` is one of the spec's codes (BLOB_UNKNOWN, DENIED, ...).
HttpResponse oci_error(int status, std::string_view code, std::string_view message, std::string_view detail = {});

}  // namespace moat::registry
