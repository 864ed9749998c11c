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
    if (options.selection.malware) {
        auto rules = MalwareRules::load(options.malware);
        if (!rules) return rules.error();
        scan->malware_ = std::make_unique<MalwareScanner>(std::move(*rules));
    }
    return scan;
}

void RiskScan::attach(InventoryScanner& scanner) {
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

std::vector<RiskFinding> RiskScan::findings(const ImageInventory& inventory) const {
    std::vector<RiskFinding> out;
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
