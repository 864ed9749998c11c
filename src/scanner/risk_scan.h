// The risk scanners of `moat scan` besides vulnerabilities: secrets, malware, image config and
// build commands, baseline checks. They ride on the inventory walk (observers see every entry
// in the one pass; baseline file checks read the merged view) and their findings are gathered
// once the walk is done, with layer digests and `deleted` filled in.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "analyze/baseline/baseline_checks.h"
#include "analyze/malware/malware_scanner.h"
#include "analyze/secret/secret_config.h"
#include "analyze/secret/secret_scanner.h"
#include "image/observer_fanout.h"
#include "inventory/finding.h"
#include "scanner/inventory_scanner.h"
#include "util/result.h"

namespace moat {

// `--scanners vuln,secret,malware,config,baseline` (any subset; all by default).
struct ScannerSelection {
    bool vuln = true, secret = true, malware = true, config = true, baseline = true;
};
Result<ScannerSelection> parse_scanners(const std::string& list);

struct RiskScanOptions {
    ScannerSelection selection;
    MalwareOptions malware;
    std::string secret_config;  // --secret-config: a JSON rule file ("" = built-in rules only)
};

class RiskScan {
public:
    // Loads what the selected scanners need (compiled malware rules, user rule files): a bad
    // rule file is an error naming it.
    static Result<std::unique_ptr<RiskScan>> create(const RiskScanOptions& options);
    RiskScan(const RiskScan&) = delete;
    RiskScan& operator=(const RiskScan&) = delete;

    // Plugs the selected observers and merged-view checks into `scanner` (before scan()).
    void attach(InventoryScanner& scanner);
    // Every finding of the selected risk scanners, for the inventory `scanner` produced.
    std::vector<RiskFinding> findings(const ImageInventory& inventory);

private:
    explicit RiskScan(ScannerSelection selection) : selection_(selection) {}

    ScannerSelection selection_;
    ObserverFanout fanout_;
    PermissionObserver permissions_;
    std::unique_ptr<MalwareScanner> malware_;
    std::unique_ptr<SecretScanner> secrets_;
    std::vector<RiskFinding> file_findings_;  // from the merged view, filled during scan()
};

}  // namespace moat
