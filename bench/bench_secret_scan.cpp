// Secret-scan benchmark: bytes of file content the SecretScanner reads per second on one core,
// over a generated mix of what application images hold (source code, config files, JSON,
// prose), fed to it exactly as the walker does (on_entry, 256 KiB chunks, on_body_end). A few
// planted secrets make sure the confirm path runs too.
// Reference: one memcpy and one memchr pass over the same bytes (the least any scanner that
// copies and looks at every byte must do). Best of --runs; CPU time is printed beside wall time.
// Goal, printed and never asserted: >= 1 GB/s (1e9 bytes per second of CPU).
//
//   bench_secret_scan [--runs N] [--megabytes N]
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "analyze/secret/secret_scanner.h"
#include "support/bench_image.h"

namespace {

using namespace moat::bench;

constexpr double kGoalBytesPerSecond = 1e9;
constexpr size_t kChunk = kBufferBytes;

struct GeneratedFile {
    std::string path;
    std::string body;
};

struct Rng {
    uint64_t state = 0x9e3779b97f4a7c15ull;
    uint64_t next() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }
    size_t below(size_t n) { return static_cast<size_t>(next() % n); }
    template <typename T>
    const T& pick(const std::vector<T>& items) { return items[below(items.size())]; }
};

const std::vector<std::string> kWords = {
    "request", "response", "user", "account", "config", "value", "result", "error", "handler", "server",
    "client", "session", "cache", "index", "buffer", "stream", "message", "payload", "context", "options",
    "timeout", "retry", "status", "header", "body", "token", "parse", "render", "update", "delete",
    "create", "list", "item", "count", "total", "offset", "limit", "query", "filter", "order",
    "the", "a", "of", "to", "and", "in", "is", "for", "with", "on", "this", "that", "by", "from"};

std::string word_line(Rng& rng, size_t words) {
    std::string line;
    for (size_t i = 0; i < words; ++i) {
        if (i) line += ' ';
        line += rng.pick(kWords);
    }
    return line;
}

std::string python_file(Rng& rng, size_t bytes) {
    std::string out = "import os\nimport json\nfrom typing import Any\n\n";
    while (out.size() < bytes) {
        const std::string name = rng.pick(kWords) + "_" + rng.pick(kWords);
        out += fmt::format("def {}(self, {}: Any, {}=None) -> dict:\n", name, rng.pick(kWords), rng.pick(kWords));
        out += fmt::format("    \"\"\"{}.\"\"\"\n", word_line(rng, 8));
        for (size_t i = 0; i < 6; ++i)
            out += fmt::format("    {} = self.{}.get('{}', {})\n", rng.pick(kWords), rng.pick(kWords), rng.pick(kWords),
                               rng.below(1000));
        out += fmt::format("    if {} is None:\n        raise ValueError('{}')\n    return {{'{}': {}}}\n\n",
                           rng.pick(kWords), word_line(rng, 5), rng.pick(kWords), rng.pick(kWords));
    }
    return out;
}

std::string js_file(Rng& rng, size_t bytes) {
    std::string out = "'use strict';\nconst path = require('path');\nconst express = require('express');\n\n";
    while (out.size() < bytes) {
        out += fmt::format("function {}{}({}, {}) {{\n", rng.pick(kWords), rng.below(100), rng.pick(kWords),
                           rng.pick(kWords));
        for (size_t i = 0; i < 5; ++i)
            out += fmt::format("  const {} = await {}.{}({{ {}: '{}', {}: {} }});\n", rng.pick(kWords),
                               rng.pick(kWords), rng.pick(kWords), rng.pick(kWords), word_line(rng, 3),
                               rng.pick(kWords), rng.below(65536));
        out += fmt::format("  // {}\n  return {};\n}}\n\n", word_line(rng, 10), rng.pick(kWords));
    }
    return out;
}

std::string json_file(Rng& rng, size_t bytes) {
    std::string out = "{\n  \"name\": \"app\",\n  \"version\": \"1.0.0\",\n  \"packages\": {\n";
    while (out.size() < bytes) {
        std::string integrity;
        for (size_t i = 0; i < 86; ++i)
            integrity += "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[rng.below(64)];
        out += fmt::format(
            "    \"node_modules/{}-{}\": {{\n      \"version\": \"{}.{}.{}\",\n      \"resolved\": "
            "\"https://registry.example.org/{}/-/{}-{}.tgz\",\n      \"integrity\": \"sha512-{}==\",\n      "
            "\"license\": \"MIT\"\n    }},\n",
            rng.pick(kWords), rng.pick(kWords), rng.below(10), rng.below(30), rng.below(20), rng.pick(kWords),
            rng.pick(kWords), rng.below(9), integrity);
    }
    return out + "    \"\": {}\n  }\n}\n";
}

std::string config_file(Rng& rng, size_t bytes) {
    std::string out = "# generated configuration\n[server]\nlisten = 0.0.0.0:8080\n";
    while (out.size() < bytes) {
        out += fmt::format("\n[{}.{}]\n", rng.pick(kWords), rng.pick(kWords));
        for (size_t i = 0; i < 8; ++i)
            out += fmt::format("{}_{} = {}\n", rng.pick(kWords), rng.pick(kWords),
                               rng.below(2) ? std::to_string(rng.below(100000)) : fmt::format("\"{}\"", word_line(rng, 3)));
    }
    return out;
}

std::string prose_file(Rng& rng, size_t bytes) {
    std::string out;
    while (out.size() < bytes) out += word_line(rng, 4 + rng.below(14)) + ".\n";
    return out;
}

std::vector<GeneratedFile> generate(size_t total_bytes) {
    Rng rng;
    std::vector<GeneratedFile> files;
    size_t bytes = 0;
    for (size_t n = 0; bytes < total_bytes; ++n) {
        const size_t size = 512 + rng.below(rng.below(8) == 0 ? 400000 : 24000);
        GeneratedFile file;
        switch (rng.below(5)) {
            case 0: file = {fmt::format("app/src/{}_{}.py", rng.pick(kWords), n), python_file(rng, size)}; break;
            case 1: file = {fmt::format("app/lib/{}_{}.js", rng.pick(kWords), n), js_file(rng, size)}; break;
            case 2: file = {fmt::format("app/data/{}_{}.json", rng.pick(kWords), n), json_file(rng, size)}; break;
            case 3: file = {fmt::format("app/etc/{}_{}.conf", rng.pick(kWords), n), config_file(rng, size)}; break;
            default: file = {fmt::format("app/doc/{}_{}.txt", rng.pick(kWords), n), prose_file(rng, size)}; break;
        }
        if (n % 97 == 13) {  // a planted secret now and then
            std::string token = "ghp_";
            for (size_t i = 0; i < 36; ++i) token += "abcdefghijklmnopqrstuvwxyz0123456789"[rng.below(36)];
            file.body.insert(file.body.size() / 2, "\ntoken = " + token + "\n");
        }
        bytes += file.body.size();
        files.push_back(std::move(file));
    }
    return files;
}

struct Timing {
    double wall = 1e30, cpu = 1e30;
    void keep_best(const Stopwatch& watch) {
        wall = std::min(wall, watch.wall_s());
        cpu = std::min(cpu, watch.cpu_s());
    }
};

}  // namespace

int main(int argc, char** argv) {
    int runs = 5;
    size_t megabytes = 128;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--runs") runs = std::max(1, std::atoi(argv[i + 1]));
        else if (flag == "--megabytes") megabytes = static_cast<size_t>(std::max(1, std::atoi(argv[i + 1])));
    }

    Stopwatch compile_watch;
    auto rules = moat::SecretRuleSet::builtin();
    fmt::print("secret rules: {} rules compiled in {:.3f} s CPU ({:.3f} s wall)\n", rules->rules().size(),
               compile_watch.cpu_s(), compile_watch.wall_s());

    const auto files = generate(megabytes * 1000 * 1000);
    uint64_t total = 0;
    for (const auto& file : files) total += file.body.size();
    fmt::print("corpus: {} files, {:.1f} MB (source code, config, JSON, prose)\n", files.size(), mb(total));

    Timing scan, floor;
    size_t findings = 0;
    std::vector<char> copy(kChunk);
    for (int run = 0; run < runs; ++run) {
        {
            moat::SecretScanner scanner(rules);
            scanner.begin_layer(0, "sha256:bench");
            Stopwatch watch;
            for (const auto& file : files) {
                moat::ObservedEntry entry;
                entry.path = file.path;
                entry.kind = moat::EntryKind::Regular;
                entry.size = file.body.size();
                if (!scanner.on_entry(entry)) continue;
                for (size_t at = 0; at < file.body.size(); at += kChunk)
                    scanner.on_body_chunk(std::string_view(file.body).substr(at, kChunk));
                scanner.on_body_end();
            }
            scan.keep_best(watch);
            findings = scanner.findings().size();
        }
        {
            Stopwatch watch;
            size_t newlines = 0;
            for (const auto& file : files) {
                for (size_t at = 0; at < file.body.size(); at += kChunk) {
                    const size_t n = std::min(kChunk, file.body.size() - at);
                    std::memcpy(copy.data(), file.body.data() + at, n);
                    const char* p = copy.data();
                    const char* end = p + n;
                    while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p))))) {
                        ++newlines;
                        ++p;
                    }
                }
            }
            floor.keep_best(watch);
            if (newlines == 0) fmt::print("(no lines?)\n");
        }
    }

    const double scan_rate = static_cast<double>(total) / scan.cpu;
    const double floor_rate = static_cast<double>(total) / floor.cpu;
    fmt::print("secret scan:        {:7.3f} s CPU {:7.3f} s wall  {:6.2f} GB/s  ({} findings)\n", scan.cpu, scan.wall,
               scan_rate / 1e9, findings);
    fmt::print("memcpy+memchr pass: {:7.3f} s CPU {:7.3f} s wall  {:6.2f} GB/s\n", floor.cpu, floor.wall,
               floor_rate / 1e9);
    fmt::print("ratio scan/reference (time): {:.2f}\n", scan.cpu / floor.cpu);
    fmt::print("goal >= {:.1f} GB/s: {}\n", kGoalBytesPerSecond / 1e9, scan_rate >= kGoalBytesPerSecond ? "met" : "NOT met");
    return 0;
}
