// Version picking and dependency closure (see version_picker.h).
#include "fix/apt/version_picker.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include <fmt/format.h>

#include "vulndb/version/dpkg_version.h"

namespace moat::fix {
namespace {

constexpr std::size_t kMaxPlanned = 2000;  // bound on the closure

struct Planned {
    const AptCandidate* candidate;
    std::string from_version;
    std::vector<std::string> closes;
    std::string root;  // the request that brought it in
};

class Picker {
public:
    Picker(const std::vector<AptCandidate>& candidates, const std::vector<InstalledDeb>& installed, std::string arch)
        : arch_(std::move(arch)) {
        for (const auto& candidate : candidates) {
            const auto& a = candidate.stanza.architecture;
            if (a != arch_ && a != "all") continue;
            by_name_[candidate.stanza.package].push_back(&candidate);
            for (const auto& provided : candidate.stanza.provides) providers_[provided.name].push_back(&candidate);
        }
        for (auto& [name, list] : by_name_)
            std::stable_sort(list.begin(), list.end(), [](const AptCandidate* x, const AptCandidate* y) {
                return dpkg_version_compare(x->stanza.version, y->stanza.version) < 0;
            });
        for (const auto& deb : installed) {
            if (!deb.status.empty() && deb.status != "install ok installed") continue;
            if (deb.arch != arch_ && deb.arch != "all" && !deb.arch.empty()) continue;
            installed_[deb.name] = &deb;
        }
    }

    const std::vector<const AptCandidate*>* named(const std::string& name) const {
        auto found = by_name_.find(name);
        return found == by_name_.end() ? nullptr : &found->second;
    }

    // The version a package has once the plan is applied, or empty when absent.
    std::string current_version(const std::string& name) const {
        if (auto found = planned_.find(name); found != planned_.end()) return found->second.candidate->stanza.version;
        if (auto found = installed_.find(name); found != installed_.end()) return found->second->version;
        return {};
    }

    bool atom_satisfied(const DepAtom& atom) const {
        if (auto version = current_version(atom.name); !version.empty() && version_satisfies(version, atom.op, atom.version))
            return true;
        // A virtual package: satisfied by a planned or installed provider whose provided
        // version (if the dependency is versioned) fits.
        if (auto found = providers_.find(atom.name); found != providers_.end())
            for (const auto* provider : found->second) {
                if (current_version(provider->stanza.package) != provider->stanza.version) continue;
                for (const auto& provided : provider->stanza.provides)
                    if (provided.name == atom.name &&
                        (atom.op.empty() || (provided.op == "=" && version_satisfies(provided.version, atom.op, atom.version))))
                        return true;
            }
        return false;
    }

    // Lowest candidate named `name` above the current version that satisfies `atom`.
    const AptCandidate* lowest_satisfying(const DepAtom& atom) const {
        const auto* list = named(atom.name);
        if (!list) return nullptr;
        std::string current = current_version(atom.name);
        for (const auto* candidate : *list) {
            if (!current.empty() && dpkg_version_compare(candidate->stanza.version, current) <= 0) continue;
            if (version_satisfies(candidate->stanza.version, atom.op, atom.version)) return candidate;
        }
        return nullptr;
    }

    std::string plan(const AptCandidate* candidate, std::vector<std::string> closes, const std::string& root) {
        const auto& name = candidate->stanza.package;
        if (auto found = planned_.find(name); found != planned_.end()) {
            if (dpkg_version_compare(candidate->stanza.version, found->second.candidate->stanza.version) > 0)
                found->second.candidate = candidate;
            for (auto& id : closes) found->second.closes.push_back(std::move(id));
            work_.push_back(name);
            return {};
        }
        if (planned_.size() >= kMaxPlanned) return "the upgrade needs too many packages";
        std::string from;
        if (auto found = installed_.find(name); found != installed_.end()) from = found->second->version;
        planned_[name] = Planned{candidate, from, std::move(closes), root};
        order_.push_back(name);
        work_.push_back(name);
        return {};
    }

    // Satisfies the dependencies of everything planned; returns failures as (root, reason).
    std::vector<std::pair<std::string, std::string>> close_over() {
        std::vector<std::pair<std::string, std::string>> failures;
        std::size_t steps = 0;
        while (!work_.empty() && ++steps < 20 * kMaxPlanned) {
            std::string name = work_.front();
            work_.pop_front();
            auto found = planned_.find(name);
            if (found == planned_.end()) continue;
            const Planned planned = found->second;
            keep_source_consistent(planned);
            for (const auto& group : planned.candidate->stanza.depends) {
                if (std::any_of(group.begin(), group.end(), [&](const DepAtom& atom) { return atom_satisfied(atom); }))
                    continue;
                const AptCandidate* choice = nullptr;
                for (const auto& atom : group)
                    if ((choice = lowest_satisfying(atom))) break;
                if (!choice) {
                    failures.emplace_back(planned.root, fmt::format("{} {} needs {} which no configured repository provides",
                                                                    name, planned.candidate->stanza.version, describe(group)));
                    continue;
                }
                if (auto error = plan(choice, {}, planned.root); !error.empty()) failures.emplace_back(planned.root, error);
            }
        }
        return failures;
    }

    // Installed binaries built from the same source move to the same version, as apt does for
    // a security upload (libssl3 and openssl depend on each other's exact version).
    void keep_source_consistent(const Planned& planned) {
        const auto& stanza = planned.candidate->stanza;
        std::string source = stanza.source.empty() ? stanza.package : stanza.source;
        for (const auto& [name, deb] : installed_) {
            if (name == stanza.package || planned_.count(name)) continue;
            std::string installed_source = deb->source_name.empty() ? installed_source_from_index(*deb) : deb->source_name;
            if (installed_source != source) continue;
            const auto* list = named(name);
            if (!list) continue;
            for (const auto* candidate : *list)
                if (candidate->stanza.version == stanza.version &&
                    dpkg_version_compare(candidate->stanza.version, deb->version) > 0) {
                    (void)plan(candidate, {}, planned.root);
                    break;
                }
        }
    }

    std::string installed_source_from_index(const InstalledDeb& deb) const {
        if (const auto* list = named(deb.name))
            for (const auto* candidate : *list)
                if (candidate->stanza.version == deb.version)
                    return candidate->stanza.source.empty() ? deb.name : candidate->stanza.source;
        return deb.name;
    }

    static std::string describe(const DepAlternatives& group) {
        std::string text;
        for (const auto& atom : group) {
            if (!text.empty()) text += " | ";
            text += atom.name;
            if (!atom.op.empty()) text += fmt::format(" ({} {})", atom.op, atom.version);
        }
        return text;
    }

    void drop_root(const std::string& root) {
        for (auto it = planned_.begin(); it != planned_.end();)
            it = it->second.root == root ? planned_.erase(it) : std::next(it);
    }

    std::vector<PickedPackage> picks() const {
        std::vector<PickedPackage> result;
        for (const auto& name : order_)
            if (auto found = planned_.find(name); found != planned_.end())
                result.push_back({found->second.candidate, found->second.from_version, found->second.closes});
        return result;
    }

private:
    std::string arch_;
    std::map<std::string, std::vector<const AptCandidate*>> by_name_;
    std::map<std::string, std::vector<const AptCandidate*>> providers_;
    std::map<std::string, const InstalledDeb*> installed_;
    std::map<std::string, Planned> planned_;
    std::vector<std::string> order_;
    std::deque<std::string> work_;
};

std::string join(const std::vector<std::string>& items) {
    std::string text;
    for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
    return text;
}

}  // namespace

PickResult pick_versions(const std::vector<AptCandidate>& candidates, const std::vector<FixRequest>& requests,
                         const std::vector<InstalledDeb>& installed, const std::string& arch,
                         const std::vector<std::string>& suites) {
    PickResult result;
    Picker picker(candidates, installed, arch);
    std::map<std::string, const FixRequest*> requests_by_name;
    for (const auto& request : requests) {
        std::vector<std::string> ids;
        std::string needed;  // the highest fixed version
        for (const auto& finding : request.findings) {
            ids.push_back(finding.id);
            if (needed.empty() || dpkg_version_compare(finding.fixed_version, needed) > 0) needed = finding.fixed_version;
        }
        auto unfixable = [&](std::string reason) {
            result.unfixable.push_back({request.name, request.installed_version, ids, std::move(reason)});
        };
        const auto* list = picker.named(request.name);
        if (!list) {
            unfixable(fmt::format("package not in any configured repository ({})", join(suites)));
            continue;
        }
        const AptCandidate* choice = nullptr;
        for (const auto* candidate : *list) {
            const auto& version = candidate->stanza.version;
            if (dpkg_version_compare(version, request.installed_version) <= 0) continue;
            if (!needed.empty() && dpkg_version_compare(version, needed) < 0) continue;
            choice = candidate;
            break;
        }
        if (!choice) {
            unfixable(fmt::format("no version >= {} published in {} (newest there: {})", needed, join(suites),
                                  list->back()->stanza.version));
            continue;
        }
        requests_by_name[request.name] = &request;
        if (auto error = picker.plan(choice, ids, request.name); !error.empty()) unfixable(error);
    }
    for (const auto& [root, reason] : picker.close_over()) {
        auto found = requests_by_name.find(root);
        if (found == requests_by_name.end()) continue;
        const auto& request = *found->second;
        std::vector<std::string> ids;
        for (const auto& finding : request.findings) ids.push_back(finding.id);
        result.unfixable.push_back({request.name, request.installed_version, ids, reason});
        requests_by_name.erase(found);
        picker.drop_root(root);
    }
    result.picks = picker.picks();
    return result;
}

}  // namespace moat::fix
