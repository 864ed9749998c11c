#include "cli/commands.h"

#include <unistd.h>

#include <algorithm>
#include <clocale>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "image/image.h"
#include "report/sbom_report.h"
#include "scanner/inventory_scanner.h"

namespace moat {
namespace {

constexpr int kExitInputError = 1;
constexpr int kExitUsage = 2;

void fail(const std::string& message) { std::fprintf(stderr, "moat: %s\n", message.c_str()); }

// Writes to FILE through a temp file and rename, so a failure never leaves half a report;
// "-" or empty means stdout.
Status write_output(const std::string& path, const std::string& text) {
    if (path.empty() || path == "-") {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return Status::Ok();
    }
    std::string temp = path + ".moat-tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) return Error{fmt::format("--output {}: cannot write", path)};
    }
    std::error_code error;
    std::filesystem::rename(temp, path, error);
    if (error) {
        std::filesystem::remove(temp, error);
        return Error{fmt::format("--output {}: cannot write: {}", path, error.message())};
    }
    return Status::Ok();
}

struct ImageOptions {
    std::string image;
    std::string platform;
    std::string format = "table";
    std::string output;
    bool quiet = false;
};

void add_image_options(CLI::App& command, ImageOptions& options) {
    command.add_option("IMAGE", options.image,
                       "oci:DIR[:TAG], docker-archive:FILE[:NAME:TAG] or dir:PATH")
        ->required();
    command.add_option("--platform", options.platform, "OS/ARCH[/VARIANT] to pick from an index");
    command.add_option("--output,-o", options.output, "write the report to FILE");
    command.add_flag("--quiet,-q", options.quiet, "no progress or warnings on stderr");
}

Result<ImageInventory> inventory_image(const ImageOptions& options) {
    OpenOptions open_options;
    if (!options.platform.empty()) {
        auto platform = Platform::parse(options.platform);
        if (!platform) return platform.error();
        open_options.platform = *platform;
    }
    auto source = open_image(options.image, open_options);
    if (!source) return source.error();
    InventoryScanner scanner(default_package_analyzers());
    bool show_progress = !options.quiet && ::isatty(STDERR_FILENO);
    if (show_progress)
        scanner.on_layer([](const LayerProgress& progress) {
            std::fprintf(stderr, "\rreading layer %zu/%zu %.19s", progress.index + 1, progress.count,
                         progress.digest.c_str());
            std::fflush(stderr);
        });
    auto inventory = scanner.scan(**source);
    if (show_progress) std::fprintf(stderr, "\r\033[K");
    if (!inventory) return inventory;
    std::stable_sort(inventory->packages.begin(), inventory->packages.end(),
                     [](const Package& a, const Package& b) {
                         return std::tie(a.type, a.name, a.version, a.arch) <
                                std::tie(b.type, b.name, b.version, b.arch);
                     });
    if (!options.quiet)
        for (const auto& warning : inventory->warnings) std::fprintf(stderr, "moat: warning: %s\n", warning.c_str());
    return inventory;
}

int run_sbom(const ImageOptions& options) {
    auto inventory = inventory_image(options);
    if (!inventory) {
        fail(inventory.error().message);
        return kExitInputError;
    }
    std::string text = options.format == "json" ? sbom_json(*inventory).dump(2) + "\n"
                                                : sbom_table(*inventory);
    if (Status written = write_output(options.output, text); !written.ok()) {
        fail(written.message());
        return kExitInputError;
    }
    return 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
    std::setlocale(LC_ALL, "C.UTF-8");  // libarchive converts pax UTF-8 names through the locale
    CLI::App app{"moat: container-image security scanner"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "moat 0.1.0");

    ImageOptions sbom_options;
    auto* sbom = app.add_subcommand("sbom", "list the packages in an image");
    add_image_options(*sbom, sbom_options);
    sbom->add_option("--format,-f", sbom_options.format, "table or json")
        ->check(CLI::IsMember({"table", "json"}));

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int code = app.exit(error);
        return code == 0 ? 0 : kExitUsage;
    }
    if (sbom->parsed()) return run_sbom(sbom_options);
    return kExitUsage;
}

}  // namespace moat
