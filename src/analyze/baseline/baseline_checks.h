// Baseline risks of the final filesystem: accounts with empty passwords or weak hashes,
// duplicate UIDs/GIDs, sshd allowing root or password logins, remote-login servers installed
// (from account and config files read after the merge), and setuid/setgid binaries outside the
// usual set and world-writable files in system directories (from every entry's mode, seen by an
// EntryObserver during the walk). Dockle's ids (CIS-DI-0008, DKL-LI-*) where it has the check.
#pragma once

#include <string>
#include <vector>

#include "analyze/analyzer.h"
#include "image/entry_observer.h"
#include "inventory/finding.h"

namespace moat {

// The files check_baseline_files reads; add it to the scanner's interests.
PathInterest baseline_interest();

// Findings from etc/shadow, etc/passwd, etc/group, etc/ssh/sshd_config (+ sshd_config.d) and
// the installed packages. Each names its file and layer.
std::vector<RiskFinding> check_baseline_files(const FileView& files, const std::vector<Package>& packages);

// Setuid/setgid binaries outside the usual set, world-writable files and directories under
// system directories. Observers see layers by index: each finding comes with its layer index,
// for the caller to turn into a digest and to drop when a later layer removed the file.
class PermissionObserver : public EntryObserver {
public:
    void begin_layer(size_t index, std::string_view) override { layer_ = index; }
    bool on_entry(const ObservedEntry& entry) override;
    void on_body_chunk(std::string_view) override {}
    void on_body_end() override {}
    void on_deletion(std::string_view, bool) override {}
    std::any save_layer(size_t index) const override { return save_located(found_, index); }
    void restore_layer(size_t index, const std::any& saved) override { restore_located(found_, index, saved); }

    struct Located {
        RiskFinding finding;
        size_t layer_index = 0;
    };
    const std::vector<Located>& findings() const { return found_; }

private:
    size_t layer_ = 0;
    std::vector<Located> found_;
};

}  // namespace moat
