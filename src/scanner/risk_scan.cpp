#include "scanner/risk_scan.h"

#include <fmt/format.h>

#include <algorithm>

#include "analyze/config/config_checks.h"

namespace moat {

Result<ScannerSelection> parse_scanners(const std::string& list) {
    ScannerSelection selection{false, false, false, false, false};
    size_t start = 0;
    bool any = false;
    while (start <= list.size()) {
        size_t comma = list.find(',', start);
        std::string name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        start = comma == std::string::npos ? list.size() + 1 : comma + 1;
        if (name.empty()) continue;
        if (name == "vuln") selection.vuln = true;
        else if (name == "secret") selection.secret = true;
        else if (name == "malware") selection.malware = true;
        else if (name == "config" || name == "misconfig") selection.config = true;
        else if (name == "baseline") selection.baseline = true;
        else
            return Error{fmt::format("--scanners: unknown scanner '{}' (known: vuln, secret, malware, config, baseline)",
                                     name)};
        any = true;
    }
    if (!any) return Error{"--scanners: name at least one of vuln, secret, malware, config, baseline"};
    return selection;
}

Result<std::unique_ptr<RiskScan>> RiskScan::create(const RiskScanOptions& options) {
    std::unique_ptr<RiskScan> scan(new RiskScan(options.selection));
    if (options.selection.secret) {
        auto rules = load_secret_rule_set(options.secret_config);
        if (!rules) return rules.error();
        scan->secrets_ = std::make_unique<SecretScanner>(std::move(*rules));
    }
    if (options.selection.malware) {
        auto rules = MalwareRules::load(options.malware);
        if (!rules) return rules.error();
        scan->malware_ = std::make_unique<MalwareScanner>(std::move(*rules));
    }
    return scan;
}

void RiskScan::attach(InventoryScanner& scanner) {
    if (secrets_) fanout_.add(secrets_.get());
    if (malware_) fanout_.add(malware_.get());
    if (selection_.baseline) {
        fanout_.add(&permissions_);
        scanner.after_merge(baseline_interest(), [this](const FileView& files, const ImageInventory& inventory) {
            auto found = check_baseline_files(files, inventory.packages);
            file_findings_.insert(file_findings_.end(), found.begin(), found.end());
        });
    }
    scanner.observe(&fanout_);
}

std::vector<RiskFinding> RiskScan::findings(const ImageInventory& inventory) {
    std::vector<RiskFinding> out;
    if (secrets_) {
        // A secret in a file a later layer deleted is still in the image: report it, marked.
        for (auto& located : secrets_->take_findings()) {
            located.finding.deleted = fanout_.deletions().deleted(located.finding.path, located.layer_index);
            out.push_back(std::move(located.finding));
        }
        // The image config is read by anyone who pulls the image: ENV values and build commands.
        const auto& config = inventory.image.config;
        if (config.is_object() && config.contains("config") && config["config"].is_object() &&
            config["config"].contains("Env") && config["config"]["Env"].is_array())
            for (const auto& entry : config["config"]["Env"]) {
                if (!entry.is_string()) continue;
                const std::string& text = entry.get_ref<const std::string&>();
                auto found = secrets_->scan_text(text, fmt::format("image-config:Env[{}]", text.substr(0, text.find('='))));
                out.insert(out.end(), found.begin(), found.end());
            }
        if (config.is_object() && config.contains("history") && config["history"].is_array())
            for (size_t i = 0; i < config["history"].size(); ++i) {
                const auto& step = config["history"][i];
                if (!step.is_object() || !step.contains("created_by") || !step["created_by"].is_string()) continue;
                auto found = secrets_->scan_text(step["created_by"].get_ref<const std::string&>(),
                                                 fmt::format("image-config:History[{}]", i));
                out.insert(out.end(), found.begin(), found.end());
            }
    }
    if (selection_.config) {
        auto found = check_image_config(inventory.image.config);
        out.insert(out.end(), found.begin(), found.end());
    }
    out.insert(out.end(), file_findings_.begin(), file_findings_.end());
    // Permission findings describe the final filesystem: a file a later layer removed or
    // rewrote no longer has them.
    for (const auto& located : permissions_.findings()) {
        if (fanout_.deletions().deleted(located.finding.path, located.layer_index)) continue;
        RiskFinding finding = located.finding;
        finding.layer = std::string(fanout_.layer_digest(located.layer_index));
        out.push_back(std::move(finding));
    }
    // Malware in a file a later layer deleted is still in the image (its layer can be pulled).
    if (malware_)
        for (const auto& located : malware_->findings()) {
            RiskFinding finding = located.finding;
            finding.layer = std::string(fanout_.layer_digest(located.layer_index));
            finding.deleted = fanout_.deletions().deleted(finding.path, located.layer_index);
            out.push_back(std::move(finding));
        }
    // Kinds in CLI.md's order, most severe first within a kind.
    auto rank = [](const std::string& kind) {
        for (int i = 0; const char* known : {"secret", "malware", "config", "baseline"}) {
            if (kind == known) return i;
            ++i;
        }
        return 4;
    };
    std::stable_sort(out.begin(), out.end(), [&](const RiskFinding& a, const RiskFinding& b) {
        if (rank(a.kind) != rank(b.kind)) return rank(a.kind) < rank(b.kind);
        return a.severity > b.severity;
    });
    return out;
}

}  // namespace moat
