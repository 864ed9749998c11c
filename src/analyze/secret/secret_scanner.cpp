#include "analyze/secret/secret_scanner.h"

#include <cstring>

#include <fmt/format.h>

#include "analyze/secret/sensitive_files.h"

namespace moat {
namespace {

constexpr size_t kBinarySniffBytes = 8192;

}  // namespace

SecretScanner::SecretScanner(std::shared_ptr<const SecretRuleSet> rules, SecretScanOptions options)
    : matcher_(std::move(rules)), options_(options) {}

void SecretScanner::begin_layer(size_t index, std::string_view digest) {
    layer_index_ = index;
    layer_digest_ = std::string(digest);
}

bool SecretScanner::on_entry(const ObservedEntry& entry) {
    if (entry.kind != EntryKind::Regular) return false;
    if (options_.sensitive_files) {
        if (const SensitiveFileKind* kind = classify_sensitive_file(entry.path)) {
            RiskFinding finding;
            finding.kind = "secret";
            finding.id = std::string(kind->id);
            finding.severity = static_cast<int>(kind->severity);
            finding.title = std::string(kind->title);
            finding.path = std::string(entry.path);
            finding.layer = layer_digest_;
            finding.evidence = fmt::format("{} ({} bytes)", kind->title, entry.size);
            finding.fix = std::string(kSecretFix);
            findings_.push_back(LayeredFinding{std::move(finding), layer_index_});
        }
    }
    if (entry.size == 0) return false;
    if (entry.size > options_.max_file_bytes) {
        ++stats_.skipped_large;
        return false;
    }
    if (matcher_.judge_path(entry.path).skip) {
        ++stats_.skipped_by_path;
        return false;
    }
    path_ = std::string(entry.path);
    expected_size_ = entry.size;
    body_.clear();
    binary_ = false;
    scanned_ = false;
    return true;
}

void SecretScanner::on_body_chunk(std::string_view bytes) {
    if (binary_ || scanned_) return;
    if (body_.size() < kBinarySniffBytes) {
        const size_t sniff = std::min(bytes.size(), kBinarySniffBytes - body_.size());
        if (std::memchr(bytes.data(), '\0', sniff)) {
            binary_ = true;
            ++stats_.skipped_binary;
            body_.clear();
            return;
        }
    }
    // The whole body in one piece: scan it where it lies, without copying.
    if (body_.empty() && bytes.size() >= expected_size_) {
        scanned_ = true;
        scan_body(bytes);
        return;
    }
    if (body_.size() + bytes.size() > options_.max_file_bytes) {  // the entry lied about its size
        bytes = bytes.substr(0, options_.max_file_bytes - std::min<size_t>(body_.size(), options_.max_file_bytes));
    }
    if (body_.empty()) body_.reserve(static_cast<size_t>(std::min<uint64_t>(expected_size_, options_.max_file_bytes)));
    body_.append(bytes);
}

void SecretScanner::on_body_end() {
    if (!binary_ && !scanned_) scan_body(body_);
    body_.clear();
    scanned_ = true;
}

void SecretScanner::scan_body(std::string_view body) {
    ++stats_.files_scanned;
    stats_.bytes_scanned += body.size();
    for (const SecretHit& hit : matcher_.scan(body, path_)) {
        RiskFinding finding = make_finding(hit, path_);
        finding.layer = layer_digest_;
        findings_.push_back(LayeredFinding{std::move(finding), layer_index_});
    }
}

RiskFinding SecretScanner::make_finding(const SecretHit& hit, std::string_view path) const {
    RiskFinding finding;
    finding.kind = "secret";
    finding.id = hit.rule->id;
    finding.severity = static_cast<int>(hit.rule->severity);
    finding.title = hit.rule->title;
    finding.path = std::string(path);
    finding.line = hit.line;
    finding.match = hit.redacted;
    finding.evidence = fmt::format("{} at line {}: {}", hit.rule->title, hit.line, hit.redacted);
    finding.fix = std::string(kSecretFix);
    return finding;
}

std::vector<RiskFinding> SecretScanner::scan_text(std::string_view text, std::string_view where) {
    std::vector<RiskFinding> out;
    for (const SecretHit& hit : matcher_.scan(text, where)) {
        RiskFinding finding = make_finding(hit, where);
        finding.line = 0;
        finding.evidence = fmt::format("{}: {}", hit.rule->title, hit.redacted);
        out.push_back(std::move(finding));
    }
    return out;
}

}  // namespace moat
