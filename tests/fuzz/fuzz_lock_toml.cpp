// Fuzzes the lock-file TOML reader and the parsers over it: Cargo.lock, poetry.lock, uv.lock.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#include "analyze/lang/python/toml_locks.h"
#include "analyze/lang/rust/cargo_lock.h"
#include "analyze/lang/toml/lock_toml.h"

namespace {

// Walks the document without recursion and checks the bounds the reader promises: nesting
// (headers, dotted keys and inline values together) and the number of values.
void check_bounds(const moat::lock_toml::Value& root) {
    std::vector<std::pair<const moat::lock_toml::Value*, size_t>> pending{{&root, 0}};
    size_t values = 0;
    while (!pending.empty()) {
        const auto [value, depth] = pending.back();
        pending.pop_back();
        if (++values > moat::lock_toml::kMaxValues + 1 || depth > 4 * moat::lock_toml::kMaxDepth) std::abort();
        if (value->line() == 0) std::abort();
        for (const auto& item : value->items()) pending.emplace_back(&item, depth + 1);
        for (const auto& [key, member] : value->members()) pending.emplace_back(&member, depth + 1);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (const auto document = moat::lock_toml::read(text)) check_bounds(*document);
    std::vector<std::string> warnings;
    for (const auto& package : moat::parse_cargo_lock(text, warnings))
        if (package.name.empty() || package.version.empty() || package.type != "cargo") std::abort();
    for (auto parse : {moat::parse_poetry_lock, moat::parse_uv_lock})
        for (const auto& package : parse(text, warnings))
            if (package.name.empty() || package.version.empty() || package.type != "pypi") std::abort();
    return 0;
}
