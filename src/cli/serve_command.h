// `moat serve` (the registry) and `moat gc` (its garbage collector): options and entry points.
#pragma once

#include <string>
#include <vector>

namespace moat {

struct ServeOptions {
    std::string config;                // TOML file: listen, data, tls_cert, tls_key
    std::string listen;                // default 127.0.0.1:5000
    std::string data;                  // default ./moat-data
    std::string tls_cert, tls_key;
    std::string db;                    // vulnerability database for scans (default as `moat scan`'s)
    std::vector<std::string> registry_hosts;  // names pods use for this registry (admission webhook)
    bool deny_other_registries = false;       // admission: refuse images of other registries
    bool policy_bypass_admins = false;        // administrators pull blocked images
    int scan_workers = 1;
    int layer_cache_mb = 512;          // layer analyses kept for reuse across images (0: off)
    std::string admin_password_file;   // creates/updates the account "admin" (auth module)
    std::string external_url;          // the registry's public URL, for the token realm behind a proxy
    std::string ready_file;            // written with the bound address once serving (tests, scripts)
    bool insecure_plain_http = false;  // allow plain HTTP on a non-loopback address
    bool no_auth = false;              // everyone may do everything (loopback tests)
    // POST …/fix: apt lines, keyring and local package files instead of the image's own sources.
    std::vector<std::string> fix_repos, fix_debs;
    std::string fix_keyring;
    std::vector<std::string> webhooks;  // URLs told of scans finished and pulls blocked
    std::string webhook_secret;         // signs every webhook body (X-Moat-Signature)
};

struct GcOptions {
    std::string data = "moat-data";
    std::string grace = "1h";  // blobs younger than this stay
    bool dry_run = false;
};

int run_serve(ServeOptions options);
int run_gc(const GcOptions& options);

}  // namespace moat
