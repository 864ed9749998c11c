// Files whose mere presence in an image is a finding, whatever their content: private keys,
// keystores, credential files of common tools. Judged from the path alone, so no body is read.
//
// Not flagged: the distribution's public certificates (etc/ssl/certs, usr/share/ca-certificates,
// etc/pki/ca-trust, etc/pki/tls/certs …), anything under usr/share, and dependency trees
// (node_modules, site-packages, dist-packages, vendor), whose test fixtures hold throwaway keys;
// .pem files whose names say they hold certificates (cert, chain, ca-bundle, cacert, ca.pem,
// pubkey, public, dhparam); Java trust stores (cacerts, *truststore*).
#pragma once

#include <string_view>

#include "vulndb/vulndb.h"

namespace moat {

struct SensitiveFileKind {
    std::string_view id;     // "sensitive-file-ssh-private-key"
    std::string_view title;  // "SSH private key"
    Severity severity;
};

// The kind of sensitive file at `path` (relative to the image root), or nullptr.
const SensitiveFileKind* classify_sensitive_file(std::string_view path);

}  // namespace moat
