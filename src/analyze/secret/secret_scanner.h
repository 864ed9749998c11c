// The secret scanner: an EntryObserver that, in the walker's one pass, reads the body of every
// regular file worth reading and runs the secret rules over it, and reports sensitive files
// (keys, key stores, credential files) from their path alone.
//
// Not read: files over the size cap (10 MiB by default), binary files (a NUL byte in the first
// 8 KiB), and paths an allow rule covers whole — by default the distribution's own trees
// (usr/share, usr/include, usr/lib*, lib*, var/lib/dpkg|apt|rpm|apk, var/cache/apt…,
// etc/ssl/certs), tests/examples/fixtures inside dependency trees (node_modules,
// site-packages, dist-packages, vendor), documentation (*.md, *.rst) and binary formats by
// extension (images, archives, fonts, .so, .pyc, .class …). See docs/secret-rules.md.
//
// Use: construct (built-in rules, or load_secret_rule_set(path) for --secret-config), plug
// into InventoryScanner::observe (or an ObserverFanout), walk, then take_findings(). Each
// finding carries the index of the layer that holds the file; `layer` is already that
// layer's digest, `deleted` is left for the caller's DeletionTracker.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/secret/secret_engine.h"
#include "image/entry_observer.h"
#include "inventory/finding.h"

namespace moat {

struct SecretScanOptions {
    uint64_t max_file_bytes = 10u << 20;  // larger files are not read
    bool sensitive_files = true;          // report keys and credential files by name
};

struct LayeredFinding {
    RiskFinding finding;
    size_t layer_index = 0;  // for DeletionTracker::deleted(finding.path, layer_index)
};

struct SecretScanStats {
    uint64_t files_scanned = 0;
    uint64_t bytes_scanned = 0;
    uint64_t skipped_binary = 0;
    uint64_t skipped_large = 0;
    uint64_t skipped_by_path = 0;
};

class SecretScanner : public EntryObserver {
public:
    explicit SecretScanner(std::shared_ptr<const SecretRuleSet> rules = SecretRuleSet::builtin(),
                           SecretScanOptions options = {});

    void begin_layer(size_t index, std::string_view digest) override;
    bool on_entry(const ObservedEntry& entry) override;
    void on_body_chunk(std::string_view bytes) override;
    void on_body_end() override;
    void on_deletion(std::string_view, bool) override {}
    std::any save_layer(size_t index) const override { return save_located(findings_, index); }
    void restore_layer(size_t index, const std::any& saved) override { restore_located(findings_, index, saved); }

    // The secrets in a text that is not a file: `where` becomes the findings' path, e.g.
    // "image-config:Env[AWS_SECRET_ACCESS_KEY]" for the text "AWS_SECRET_ACCESS_KEY=…" (pass
    // KEY=VALUE: rules anchored on the key name need it) or "image-config:History[3]" for a
    // build command (the shell-history rules apply there too). No layer, no line.
    std::vector<RiskFinding> scan_text(std::string_view text, std::string_view where);

    const std::vector<LayeredFinding>& findings() const { return findings_; }
    std::vector<LayeredFinding> take_findings() { return std::move(findings_); }
    const SecretScanStats& stats() const { return stats_; }

private:
    void scan_body(std::string_view body);
    RiskFinding make_finding(const SecretHit& hit, std::string_view path) const;

    SecretMatcher matcher_;
    SecretScanOptions options_;
    std::vector<LayeredFinding> findings_;
    SecretScanStats stats_;
    size_t layer_index_ = 0;
    std::string layer_digest_;
    // The file whose body is streaming.
    std::string path_;
    uint64_t expected_size_ = 0;
    std::string body_;
    bool binary_ = false;
    bool scanned_ = false;
};

// What a secret finding tells the user to do.
inline constexpr std::string_view kSecretFix =
    "Remove it from the image (every layer: a later rm does not erase it) and rotate the credential";

}  // namespace moat
