#include "cli/commands.h"

#include <clocale>

#include <CLI/CLI.hpp>

#include "cli/fix_command.h"
#include "cli/scan_command.h"
#include "cli/serve_command.h"
#include "vulndb/db_commands.h"

namespace moat {
namespace {

constexpr int kExitUsage = 2;

void add_image_options(CLI::App& command, ImageOptions& options) {
    command.add_option("IMAGE", options.image, "oci:DIR[:TAG], docker-archive:FILE[:NAME:TAG], dir:PATH or HOST[:PORT]/REPO[:TAG|@DIGEST]")
        ->required();
    command.add_option("--platform", options.platform, "OS/ARCH[/VARIANT] to pick from an index");
    command.add_flag("--insecure", options.insecure, "registry images: use plain HTTP (loopback, private networks)");
    command.add_option("--username", options.username,
                       "registry images: user name (else MOAT_REGISTRY_USERNAME or a docker/podman login)");
    command.add_option("--password", options.password, "registry images: password (else MOAT_REGISTRY_PASSWORD)");
    command.add_option("--format,-f", options.format, "table or json")->check(CLI::IsMember({"table", "json"}));
    command.add_option("--output,-o", options.output, "write the report to FILE");
    command.add_flag("--quiet,-q", options.quiet, "no progress or warnings on stderr");
}

}  // namespace

int run_cli(int argc, char** argv) {
    std::setlocale(LC_ALL, "C.UTF-8");  // libarchive converts pax UTF-8 names through the locale
    CLI::App app{"moat: container-image security scanner"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "moat 0.1.0");

    ImageOptions sbom_options;
    auto* sbom = app.add_subcommand("sbom", "list the packages in an image");
    add_image_options(*sbom, sbom_options);

    ScanOptions scan_options;
    auto* scan = app.add_subcommand("scan", "report the vulnerabilities of an image");
    add_image_options(*scan, scan_options.image);
    scan->add_option("--db", scan_options.db, "vulnerability database (default: $XDG_CACHE_HOME/moat/db)");
    scan->add_option("--severity", scan_options.severity, "a minimum (HIGH) or a list (CRITICAL,HIGH)");
    scan->add_option("--exit-code", scan_options.exit_code, "exit with N when findings remain");
    scan->add_flag("--ignore-unfixed", scan_options.ignore_unfixed, "hide findings with no fixed version");
    scan->add_option("--ignorefile", scan_options.ignorefile, "ids to ignore, one per line (optional expiry date)");
    scan->add_flag("--skip-db-update", scan_options.skip_db_update, "do not refresh the database first");
    scan->add_flag("--offline", scan_options.offline, "no network at all");
    scan->add_option("--scanners", scan_options.scanners,
                     "what to look for: any of vuln,secret,malware,config,baseline (default: all)");
    scan->add_option("--secret-config", scan_options.secret_config,
                     "a JSON file of extra secret rules and allow rules (docs/secret-rules.md)");
    scan->add_option("--malware-rules", scan_options.malware_rules, "a directory of YARA rules (*.yar, *.yara) to add");
    scan->add_option("--malware-hashes", scan_options.malware_hashes, "a file of SHA-256 digests of known-bad files");

    FixOptions fix_options;
    auto* fix = app.add_subcommand("fix", "upgrade vulnerable OS packages into a new image <tag>_fix");
    fix->add_option("IMAGE", fix_options.image, "oci:DIR[:TAG], docker-archive:FILE or HOST[:PORT]/REPO:TAG")
        ->required();
    fix->add_option("--output,-o", fix_options.output,
                    "write the fixed image to oci:DIR[:TAG], docker-archive:FILE or HOST[:PORT]/REPO:TAG");
    fix->add_flag("--insecure", fix_options.insecure, "registry images: use plain HTTP (loopback, private networks)");
    fix->add_option("--username", fix_options.username, "registry: user name (else MOAT_REGISTRY_USERNAME or auth files)");
    fix->add_option("--password", fix_options.password, "registry: password (else MOAT_REGISTRY_PASSWORD)");
    fix->add_flag("--overwrite", fix_options.overwrite, "replace the tag instead of writing <tag>_fix");
    fix->add_option("--only", fix_options.only, "fix only these finding ids (CVE-1,CVE-2)");
    fix->add_option("--db", fix_options.db, "vulnerability database (default: $XDG_CACHE_HOME/moat/db)");
    fix->add_option("--repo", fix_options.repos, "apt repository \"URI SUITE COMPONENT...\" (repeatable)");
    fix->add_option("--keyring", fix_options.keyring, "keyring to verify the repositories' InRelease with");
    fix->add_option("--deb", fix_options.debs, "install these package files instead of downloading (repeatable)");
    fix->add_option("--format,-f", fix_options.format, "table or json")->check(CLI::IsMember({"table", "json"}));
    fix->add_flag("--skip-db-update", fix_options.skip_db_update, "do not refresh the database first");
    fix->add_flag("--offline", fix_options.offline, "no database refresh");
    fix->add_flag("--quiet,-q", fix_options.quiet, "no progress or warnings on stderr");

    auto* db = app.add_subcommand("db", "the vulnerability database");
    db->require_subcommand(1);
    DbUpdateArgs update_args;
    auto* update = db->add_subcommand("update", "fetch and import advisories (OSV export layout)");
    update->add_option("--source", update_args.source, "URL or directory laid out as <Ecosystem>/all.zip");
    update->add_option("--db", update_args.db, "database path");
    update->add_option("--severity-source", update_args.severity_source, "CVE JSON 5 records: URL, directory or zip");
    update->add_flag("--quiet,-q", update_args.quiet, "errors only");
    DbStatusArgs status_args;
    auto* status = db->add_subcommand("status", "sources, advisory counts and age");
    status->add_option("--db", status_args.db, "database path");
    status->add_option("--format,-f", status_args.format, "table or json")->check(CLI::IsMember({"table", "json"}));

    ServeOptions serve_options;
    auto* serve = app.add_subcommand("serve", "run an OCI distribution registry");
    serve->add_option("--config", serve_options.config, "TOML file (listen, data, tls_cert, tls_key)");
    serve->add_option("--listen", serve_options.listen, "HOST:PORT (default 127.0.0.1:5000; port 0 picks one)");
    serve->add_option("--data", serve_options.data, "data directory (default ./moat-data)");
    serve->add_option("--db", serve_options.db, "vulnerability database for scans (default as for moat scan)");
    serve->add_option("--registry-host", serve_options.registry_hosts,
                      "HOST[:PORT] pods name this registry by (admission webhook; repeatable)");
    serve->add_flag("--deny-other-registries", serve_options.deny_other_registries,
                    "admission webhook: refuse images from other registries");
    serve->add_flag("--policy-bypass-admins", serve_options.policy_bypass_admins,
                    "administrators may pull images the policy blocks");
    serve->add_option("--scan-workers", serve_options.scan_workers, "scan threads (default 1)");
    serve->add_option("--layer-cache-mb", serve_options.layer_cache_mb,
                      "memory for layer analyses shared across images, MiB (default 512; 0: off)")
        ->check(CLI::Range(0, 1 << 20));
    serve->add_option("--fix-repo", serve_options.fix_repos,
                      "the fix API: apt repository \"URI SUITE COMPONENT...\" instead of the image's sources (repeatable)");
    serve->add_option("--fix-keyring", serve_options.fix_keyring, "the fix API: keyring for --fix-repo's InRelease");
    serve->add_option("--fix-deb", serve_options.fix_debs, "the fix API: install these package files (repeatable)");
    serve->add_option("--webhook", serve_options.webhooks,
                      "POST scan_completed, scan_failed and pull_blocked events to this URL (repeatable)");
    serve->add_option("--webhook-secret", serve_options.webhook_secret,
                      "sign webhook bodies: X-Moat-Signature: sha256=HMAC-SHA256(secret, body)");
    serve->add_option("--admin-password-file", serve_options.admin_password_file, "password of the account admin");
    serve->add_option("--external-url", serve_options.external_url,
                      "public URL of the registry (token realm), when behind a proxy");
    serve->add_option("--tls-cert", serve_options.tls_cert, "PEM certificate chain");
    serve->add_option("--tls-key", serve_options.tls_key, "PEM private key");
    serve->add_option("--ready-file", serve_options.ready_file, "write the bound address here once listening");
    serve->add_flag("--insecure-plain-http", serve_options.insecure_plain_http,
                    "allow plain HTTP on a non-loopback address");
    serve->add_flag("--no-auth", serve_options.no_auth, "no accounts: anyone may pull and push");

    GcOptions gc_options;
    auto* gc = app.add_subcommand("gc", "remove registry blobs no manifest references");
    gc->add_option("--data", gc_options.data, "data directory (default ./moat-data)");
    gc->add_option("--grace", gc_options.grace, "keep blobs younger than this (default 1h; s, m, h, d)");
    gc->add_flag("--dry-run", gc_options.dry_run, "report what would be removed");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int code = app.exit(error);
        return code == 0 ? 0 : kExitUsage;
    }
    if (sbom->parsed()) return run_sbom(sbom_options);
    if (scan->parsed()) return run_scan(scan_options);
    if (fix->parsed()) return run_fix(fix_options);
    if (update->parsed()) return run_db_update(update_args);
    if (status->parsed()) return run_db_status(status_args);
    if (serve->parsed()) return run_serve(serve_options);
    if (gc->parsed()) return run_gc(gc_options);
    return kExitUsage;
}

}  // namespace moat
