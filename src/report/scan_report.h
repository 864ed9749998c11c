// `moat scan` output: the JSON document of CLI.md and a table grouped by package.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "inventory/finding.h"
#include "scanner/inventory_scanner.h"
#include "vulndb/vulndb.h"

namespace moat {

struct ScanResult {
    ImageInventory inventory;
    std::vector<VulnerabilityFinding> vulnerabilities;
    std::vector<RiskFinding> risks;  // secret, malware, config and baseline findings
    DbStatus db;
};

nlohmann::json scan_json(const ScanResult& result);
// `color`: ANSI severity colours (only on a terminal).
std::string scan_table(const ScanResult& result, bool color);
// The command that upgrades `package` to `version` with the image's package manager.
std::string upgrade_command(const Package& package, const std::string& version);

}  // namespace moat
