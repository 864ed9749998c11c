// Fuzzes the secret scanner (any bytes as a file body, at a path taken from the input) and the
// --secret-config rule-file parser. Inputs starting with '{' are also read as a rule file and,
// when they parse, their own rules are compiled and run over a short fixed text.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/secret/secret_config.h"
#include "analyze/secret/secret_scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);

    // The first line, if short, is the path: path-restricted rules and allow rules get exercised.
    static moat::SecretScanner scanner;
    const size_t newline = bytes.find('\n');
    const std::string_view path = newline != std::string_view::npos && newline < 128 ? bytes.substr(0, newline)
                                                                                    : std::string_view("app/x");
    scanner.begin_layer(0, "");
    moat::ObservedEntry entry;
    entry.path = path;
    entry.kind = moat::EntryKind::Regular;
    entry.size = size;
    if (scanner.on_entry(entry)) {
        scanner.on_body_chunk(bytes.substr(0, size / 2));
        scanner.on_body_chunk(bytes.substr(size / 2));
        scanner.on_body_end();
    }
    for (const auto& layered : scanner.take_findings()) {
        const auto& finding = layered.finding;
        if (finding.id.empty() || (finding.line == 0 && !finding.id.starts_with("sensitive-file-"))) std::abort();
        // Never more than a quarter of a secret at each end in the clear.
        size_t shown = 0;
        for (char c : finding.match) shown += c != '*';
        if (shown > finding.match.size() / 2) std::abort();
    }
    (void)scanner.scan_text(bytes.substr(0, 4096), "image-config:Env[X]");

    if (!bytes.starts_with("{")) return 0;
    auto config = moat::parse_secret_config(bytes, "fuzz.json");
    if (!config || config->rules.empty() || config->rules.size() > 8) return 0;
    auto rules = moat::SecretRuleSet::compile(config->rules, config->allow_rules);
    if (!rules) return 0;
    moat::SecretMatcher matcher(*rules);
    (void)matcher.scan("password = \"Tr0ub4dor&3\"\nkey: abcdefghijklmnopqrstuvwxyz0123456789\n", "app/.env");
    return 0;
}
