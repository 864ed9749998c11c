#include "analyze/config/config_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>

#include "vulndb/vulndb.h"

namespace moat {
namespace {

using json = nlohmann::json;

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

bool starts_with_word(std::string_view text, std::string_view word) {
    return text.starts_with(word) && (text.size() == word.size() || text[word.size()] == ' ');
}

// Whitespace-separated words with surrounding quotes removed: enough to recognise programs and
// flags in build commands, which is all the checks need.
std::vector<std::string> words(std::string_view command) {
    std::vector<std::string> out;
    size_t at = 0;
    while (at < command.size()) {
        while (at < command.size() && std::isspace(static_cast<unsigned char>(command[at]))) ++at;
        if (at >= command.size()) break;
        std::string word;
        char quote = 0;
        for (; at < command.size(); ++at) {
            char c = command[at];
            if (quote) {
                if (c == quote) quote = 0; else word += c;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (std::isspace(static_cast<unsigned char>(c))) {
                break;
            } else {
                word += c;
            }
        }
        out.push_back(std::move(word));
    }
    return out;
}

// A simple command of a RUN step: its words, with leading VAR=value assignments, `sudo` and
// `exec` stepped over to find the program (whose path is dropped: /usr/bin/curl is curl).
struct Command {
    std::vector<std::string> words;
    std::string program;
    bool via_sudo = false;
    bool has(std::string_view word) const { return std::find(words.begin(), words.end(), word) != words.end(); }
    bool has_prefix(std::string_view prefix) const {
        return std::any_of(words.begin(), words.end(), [&](const std::string& w) { return w.starts_with(prefix); });
    }
};

Command command_of(std::string_view text) {
    Command command;
    command.words = words(text);
    for (const auto& word : command.words) {
        if (word.find('=') != std::string::npos && word.front() != '-' && command.program.empty()) continue;
        if (word == "sudo") {
            command.via_sudo = true;
            continue;
        }
        if (word == "exec" || word == "env" || word == "command") continue;
        if (word.front() == '-' && command.via_sudo && command.program.empty()) continue;  // sudo -E
        command.program = word.substr(word.rfind('/') == std::string::npos ? 0 : word.rfind('/') + 1);
        break;
    }
    return command;
}

// A RUN step split into pipelines (on &&, ||, ;, newlines) of commands (on a single |).
using Pipeline = std::vector<Command>;

std::vector<Pipeline> pipelines_of(std::string_view script) {
    std::vector<Pipeline> out(1);
    std::string current;
    auto end_command = [&] {
        if (!trim(current).empty()) out.back().push_back(command_of(current));
        current.clear();
    };
    auto end_pipeline = [&] {
        end_command();
        if (!out.back().empty()) out.emplace_back();
    };
    for (size_t i = 0; i < script.size(); ++i) {
        char c = script[i];
        char next = i + 1 < script.size() ? script[i + 1] : '\0';
        if ((c == '&' && next == '&') || (c == '|' && next == '|')) {
            end_pipeline();
            ++i;
        } else if (c == ';' || c == '\n') {
            end_pipeline();
        } else if (c == '|') {
            end_command();
        } else if (c == '\\' && next == '\n') {
            ++i;
        } else {
            current += c;
        }
    }
    end_pipeline();
    if (out.back().empty()) out.pop_back();
    return out;
}

std::vector<Command> commands_of(const std::vector<Pipeline>& pipelines) {
    std::vector<Command> out;
    for (const auto& pipeline : pipelines) out.insert(out.end(), pipeline.begin(), pipeline.end());
    return out;
}

bool is_apt(const Command& command) { return command.program == "apt-get" || command.program == "apt"; }

bool any_command(const std::vector<Command>& commands, const std::function<bool(const Command&)>& test) {
    return std::any_of(commands.begin(), commands.end(), test);
}

// Names that say a variable holds a credential. `_FILE` variables name a file instead.
bool secret_name(std::string_view key) {
    std::string name = upper(key);
    if (name.ends_with("_FILE") || name.ends_with("_PATH") || name.ends_with("_DIR") || name.ends_with("_URL"))
        return false;
    for (std::string_view hint : {"PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "ACCESS_KEY",
                                  "PRIVATE_KEY", "CREDENTIAL", "AUTH_KEY", "CLIENT_KEY"})
        if (name.find(hint) != std::string::npos) return true;
    return name == "PASS" || name.ends_with("_PASS") || name.ends_with("_PWD");
}

// Values that are not secrets themselves: empty, a reference to another variable, booleans.
bool placeholder_value(std::string_view value) {
    value = trim(value);
    std::string lowered = upper(value);
    return value.empty() || value.front() == '$' || lowered == "TRUE" || lowered == "FALSE" || lowered == "NONE" ||
           lowered == "NULL" || (value.front() == '<' && value.back() == '>');
}

bool root_user(std::string_view user) {
    user = trim(user);
    std::string_view name = user.substr(0, user.find(':'));
    return name.empty() || name == "root" || name == "0";
}

// The base image reference the builder recorded, when it did (OCI annotation or label).
std::string base_image_name(const json& config) {
    for (const char* key : {"org.opencontainers.image.base.name"}) {
        const json* labels = config.contains("config") && config["config"].is_object() &&
                                     config["config"].contains("Labels") && config["config"]["Labels"].is_object()
                                 ? &config["config"]["Labels"]
                                 : nullptr;
        if (labels && labels->contains(key) && (*labels)[key].is_string()) return (*labels)[key].get<std::string>();
    }
    return {};
}

class Checks {
public:
    explicit Checks(std::vector<RiskFinding>& out) : out_(out) {}

    void add(std::string id, Severity severity, std::string title, std::string path, std::string evidence,
             std::string fix) {
        RiskFinding finding;
        finding.kind = "config";
        finding.id = std::move(id);
        finding.severity = static_cast<int>(severity);
        finding.title = std::move(title);
        finding.path = std::move(path);
        finding.evidence = std::move(evidence);
        finding.fix = std::move(fix);
        out_.push_back(std::move(finding));
    }

private:
    std::vector<RiskFinding>& out_;
};

void check_tls_variable(Checks& checks, std::string_view key, std::string_view value, const std::string& path) {
    std::string name = upper(key);
    std::string_view trimmed = trim(value);
    if (name == "NODE_TLS_REJECT_UNAUTHORIZED" && trimmed == "0")
        checks.add("MOAT-DI-0002", Severity::High, "TLS certificate verification disabled for Node.js", path,
                   fmt::format("{}={}", key, value), "Remove NODE_TLS_REJECT_UNAUTHORIZED=0; trust the needed CA instead");
    if (name == "PYTHONHTTPSVERIFY" && trimmed == "0")
        checks.add("MOAT-DI-0003", Severity::High, "HTTPS certificate verification disabled for Python", path,
                   fmt::format("{}={}", key, value), "Remove PYTHONHTTPSVERIFY=0; trust the needed CA instead");
    if (name == "GIT_SSL_NO_VERIFY" && !trimmed.empty() && trimmed != "0" && upper(trimmed) != "FALSE")
        checks.add("MOAT-DI-0004", Severity::High, "TLS verification disabled for git", path,
                   fmt::format("{}={}", key, value), "Remove GIT_SSL_NO_VERIFY; trust the needed CA instead");
}

void check_user(Checks& checks, const json& container) {
    std::string user = container.contains("User") && container["User"].is_string() ? container["User"].get<std::string>() : "";
    if (!root_user(user)) return;
    checks.add("CIS-DI-0001", Severity::High,
               user.empty() ? "Image runs as root: no USER in the image config" : "Image runs as root: USER " + user,
               "image-config:User", user.empty() ? "config.User is empty" : "config.User is " + user,
               "Create an unprivileged user and add `USER <name>` to the Dockerfile");
}

void check_env(Checks& checks, const json& container) {
    if (!container.contains("Env") || !container["Env"].is_array()) return;
    for (const auto& entry : container["Env"]) {
        if (!entry.is_string()) continue;
        const std::string& text = entry.get_ref<const std::string&>();
        size_t equals = text.find('=');
        std::string key = text.substr(0, equals);
        std::string value = equals == std::string::npos ? "" : text.substr(equals + 1);
        std::string path = fmt::format("image-config:Env[{}]", key);
        check_tls_variable(checks, key, value, path);
        if (secret_name(key) && !placeholder_value(value))
            checks.add("CIS-DI-0010", Severity::High, fmt::format("Secret in environment variable {}", key), path,
                       fmt::format("{} is set in the image config (value not shown)", key),
                       "Pass secrets at run time (secret mounts, orchestrator secrets), never in ENV");
    }
}

void check_ports_and_volumes(Checks& checks, const json& container) {
    if (container.contains("ExposedPorts") && container["ExposedPorts"].is_object())
        for (const auto& [port, _] : container["ExposedPorts"].items()) {
            std::string number = port.substr(0, port.find('/'));
            if (number == "22" || number == "23")
                checks.add("MOAT-DI-0009", number == "23" ? Severity::High : Severity::Medium,
                           number == "23" ? "Telnet port 23 exposed" : "SSH port 22 exposed",
                           fmt::format("image-config:ExposedPorts[{}]", port), fmt::format("EXPOSE {}", port),
                           "Do not run remote-login servers in containers; use `kubectl exec` / `docker exec`");
        }
    static const std::vector<std::string_view> kSensitive = {"/", "/dev", "/proc", "/sys", "/etc", "/root", "/boot",
                                                             "/var/run", "/run", "/var/run/docker.sock",
                                                             "/run/docker.sock", "/var/lib/docker"};
    if (container.contains("Volumes") && container["Volumes"].is_object())
        for (const auto& [volume, _] : container["Volumes"].items()) {
            std::string_view path = volume;
            while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
            if (std::find(kSensitive.begin(), kSensitive.end(), path) != kSensitive.end())
                checks.add("DKL-DI-0002", Severity::High, fmt::format("Sensitive directory declared as a volume: {}", volume),
                           fmt::format("image-config:Volumes[{}]", volume), fmt::format("VOLUME {}", volume),
                           "Remove the VOLUME; mount only application data directories");
        }
}

void check_healthcheck(Checks& checks, const json& container) {
    bool present = container.contains("Healthcheck") && container["Healthcheck"].is_object();
    if (present) {
        const json& test = container["Healthcheck"].value("Test", json::array());
        present = !(test.is_array() && !test.empty() && test[0] == "NONE");
    }
    if (!present)
        checks.add("CIS-DI-0006", Severity::Low, "No HEALTHCHECK in the image", "image-config:Healthcheck",
                   "config.Healthcheck is not set", "Add a HEALTHCHECK instruction to the Dockerfile");
}

void check_run(Checks& checks, const BuildStep& step, const std::string& path) {
    const auto pipelines = pipelines_of(step.text);
    const auto commands = commands_of(pipelines);
    auto evidence = [&] { return std::string(trim(step.text)).substr(0, 300); };

    if (any_command(commands, [](const Command& c) { return c.via_sudo || c.program == "sudo"; }))
        checks.add("DKL-DI-0001", Severity::Medium, "sudo used in a build command", path, evidence(),
                   "Run the step as root (USER root) and drop privileges afterwards; do not use sudo");

    const bool apt_update = any_command(commands, [](const Command& c) { return is_apt(c) && c.has("update"); });
    const bool apt_install = any_command(commands, [](const Command& c) {
        return is_apt(c) && (c.has("install") || c.has("upgrade") || c.has("dist-upgrade"));
    });
    if (apt_update && !apt_install)
        checks.add("CIS-DI-0007", Severity::Low, "`apt-get update` alone in a build step", path, evidence(),
                   "Update and install in the same RUN: `apt-get update && apt-get install -y ...`");
    if (any_command(commands, [](const Command& c) { return is_apt(c) && c.has("dist-upgrade"); }))
        checks.add("DKL-DI-0003", Severity::Low, "`apt-get dist-upgrade` in a build step", path, evidence(),
                   "Use an up-to-date base image instead of dist-upgrade");
    if (apt_install && !any_command(commands, [](const Command& c) {
            return c.program == "rm" && c.has_prefix("/var/lib/apt/lists");
        }))
        checks.add("DKL-DI-0005", Severity::Low, "apt lists not cleaned after install", path, evidence(),
                   "End the RUN with `&& rm -rf /var/lib/apt/lists/*`");
    if (any_command(commands, [](const Command& c) { return c.program == "apk" && c.has("add") && !c.has("--no-cache"); }) &&
        !any_command(commands, [](const Command& c) { return c.program == "rm" && c.has_prefix("/var/cache/apk"); }))
        checks.add("DKL-DI-0004", Severity::Low, "`apk add` without --no-cache", path, evidence(),
                   "Use `apk add --no-cache ...`");

    if (any_command(commands, [](const Command& c) {
            return (c.program == "curl" && (c.has("-k") || c.has("--insecure") ||
                                            std::any_of(c.words.begin(), c.words.end(), [](const std::string& w) {
                                                return w.size() > 1 && w[0] == '-' && w[1] != '-' &&
                                                       w.find('k') != std::string::npos;
                                            }))) ||
                   (c.program == "wget" && c.has("--no-check-certificate")) ||
                   (c.program == "git" && (c.has("http.sslVerify=false") ||
                                           (c.has("http.sslVerify") && c.has("false"))));
        }))
        checks.add("MOAT-DI-0007", Severity::High, "TLS certificate verification disabled in a download", path,
                   evidence(), "Remove -k/--insecure/--no-check-certificate; install the needed CA certificate");
    if (any_command(commands, [](const Command& c) {
            bool npm = c.program == "npm" || c.program == "yarn" || c.program == "pnpm";
            return npm && ((c.has("strict-ssl") && c.has("false")) || c.has("--strict-ssl=false"));
        }))
        checks.add("MOAT-DI-0005", Severity::High, "npm strict-ssl turned off", path, evidence(),
                   "Remove `strict-ssl false`; configure the registry's CA with `cafile`");
    if (any_command(commands, [](const Command& c) {
            return (c.program.starts_with("pip") || c.program.starts_with("python")) && c.has_prefix("--trusted-host");
        }))
        checks.add("MOAT-DI-0006", Severity::Medium, "pip told to trust a host without TLS verification", path,
                   evidence(), "Remove --trusted-host; use an HTTPS index with a trusted certificate");
    if (any_command(commands, [](const Command& c) {
            return c.has("--allow-unauthenticated") || c.has("--allow-insecure-repositories") || c.has("--nogpgcheck") ||
                   c.has("--no-gpg-checks") || c.has("--allow-untrusted") || c.has("--force-yes") ||
                   c.has_prefix("--setopt=gpgcheck=0");
        }))
        checks.add("CIS-DI-0011", Severity::High, "Packages installed without signature verification", path, evidence(),
                   "Remove --allow-unauthenticated/--nogpgcheck/--allow-untrusted; import the repository key");
    for (const auto& pipeline : pipelines) {
        bool fetched = false, piped_to_shell = false;
        for (const auto& command : pipeline) {
            if (command.program == "curl" || command.program == "wget") fetched = true;
            else if (fetched && (command.program == "sh" || command.program == "bash" || command.program == "zsh" ||
                                 command.program == "ash" || command.program == "dash" || command.program == "python" ||
                                 command.program == "python3"))
                piped_to_shell = true;
        }
        if (piped_to_shell) {
            checks.add("MOAT-DI-0008", Severity::High, "Script downloaded and piped into a shell", path, evidence(),
                       "Download the script, verify its checksum or signature, then run it");
            break;
        }
    }
    // Variables set inline in the command (`NODE_TLS_REJECT_UNAUTHORIZED=0 npm ci`, `export ...`).
    for (const auto& command : commands)
        for (const auto& word : command.words)
            if (size_t equals = word.find('='); equals != std::string::npos && equals > 0)
                check_tls_variable(checks, std::string_view(word).substr(0, equals), std::string_view(word).substr(equals + 1),
                                   path);
}

void check_history(Checks& checks, const json& config) {
    if (!config.contains("history") || !config["history"].is_array()) return;
    bool seen_layer = false;
    for (size_t i = 0; i < config["history"].size(); ++i) {
        const json& entry = config["history"][i];
        if (!entry.is_object()) continue;
        const bool empty_layer = entry.value("empty_layer", false);
        std::string created_by = entry.contains("created_by") && entry["created_by"].is_string()
                                     ? entry["created_by"].get<std::string>()
                                     : "";
        BuildStep step = parse_build_step(i, created_by);
        std::string path = fmt::format("image-config:History[{}]", i);
        const bool first_layer = !empty_layer && !seen_layer;
        if (!empty_layer) seen_layer = true;

        for (const auto& [key, value] : step.build_args)
            if (secret_name(key) && !placeholder_value(value))
                checks.add("CIS-DI-0010", Severity::High, fmt::format("Secret passed as build argument {}", key), path,
                           fmt::format("build argument {} is recorded in the history (value not shown)", key),
                           "Use `RUN --mount=type=secret` instead of ARG for secrets");
        if (step.instruction == "RUN") {
            check_run(checks, step, path);
        } else if (step.instruction == "ADD") {
            // The base image's root filesystem arrives by ADD ("ADD file:<digest> in /"): not a risk.
            std::string_view text = trim(step.text);
            bool base_rootfs = (text.starts_with("file:") && (text.ends_with(" in /") || text.find(" in / ") != std::string::npos)) ||
                               (first_layer && (text.ends_with(" /") || text.ends_with(" in /")));
            if (!base_rootfs)
                checks.add("CIS-DI-0009", Severity::Low, "ADD used instead of COPY", path, "ADD " + std::string(text),
                           "Use COPY for local files; download with a checked RUN step instead of ADD <url>");
        } else if (step.instruction == "MAINTAINER") {
            checks.add("MOAT-DI-0001", Severity::Low, "Deprecated MAINTAINER instruction", path,
                       "MAINTAINER " + std::string(trim(step.text)),
                       "Use `LABEL org.opencontainers.image.authors=...` instead of MAINTAINER");
        } else if (step.instruction == "ARG") {
            std::string_view text = trim(step.text);
            size_t equals = text.find('=');
            if (equals != std::string_view::npos && secret_name(text.substr(0, equals)) &&
                !placeholder_value(text.substr(equals + 1)))
                checks.add("CIS-DI-0010", Severity::High,
                           fmt::format("Secret default in build argument {}", text.substr(0, equals)), path,
                           "ARG with a default value recorded in the history (value not shown)",
                           "Use `RUN --mount=type=secret` instead of ARG for secrets");
        }
    }
}

}  // namespace

BuildStep parse_build_step(size_t index, std::string_view created_by) {
    BuildStep step;
    step.index = index;
    std::string_view text = trim(created_by);
    // Classic builder: build arguments in effect prefix a RUN as "|<count> K=V ... ".
    if (text.starts_with('|')) {
        size_t space = text.find(' ');
        long count = 0;
        for (char c : text.substr(1, space == std::string_view::npos ? 0 : space - 1))
            if (std::isdigit(static_cast<unsigned char>(c)) && count < 100000) count = count * 10 + (c - '0');
        text = space == std::string_view::npos ? std::string_view() : trim(text.substr(space));
        for (long n = 0; n < count && n < 1000 && !text.empty(); ++n) {
            size_t end = text.find(' ');
            std::string_view assignment = text.substr(0, end);
            size_t equals = assignment.find('=');
            if (equals == std::string_view::npos) break;
            step.build_args.emplace_back(std::string(assignment.substr(0, equals)),
                                         std::string(assignment.substr(equals + 1)));
            text = end == std::string_view::npos ? std::string_view() : trim(text.substr(end));
        }
    }
    if (text.ends_with("# buildkit")) text = trim(text.substr(0, text.size() - 10));
    for (std::string_view shell : {"/bin/sh -c", "/bin/bash -c", "/bin/sh -o pipefail -c", "/bin/bash -o pipefail -c"})
        if (starts_with_word(text, shell) || text == shell) {
            text = trim(text.substr(shell.size()));
            break;
        }
    if (text.starts_with("#(nop)")) {
        text = trim(text.substr(6));
        size_t end = text.find(' ');
        step.instruction = upper(text.substr(0, end));
        step.text = end == std::string_view::npos ? "" : std::string(trim(text.substr(end)));
        return step;
    }
    // BuildKit records the instruction itself: "RUN /bin/sh -c ...", "ENV A=b", "COPY . /app".
    size_t end = text.find(' ');
    std::string first(text.substr(0, end));
    static const std::vector<std::string_view> kInstructions = {
        "RUN", "ADD", "COPY", "ENV", "ARG", "LABEL", "USER", "WORKDIR", "EXPOSE", "VOLUME", "CMD", "ENTRYPOINT",
        "HEALTHCHECK", "SHELL", "STOPSIGNAL", "ONBUILD", "MAINTAINER"};
    if (std::find(kInstructions.begin(), kInstructions.end(), first) != kInstructions.end()) {
        step.instruction = first;
        text = end == std::string_view::npos ? std::string_view() : trim(text.substr(end));
        if (step.instruction == "RUN")
            for (std::string_view shell : {"/bin/sh -c", "/bin/bash -c", "/bin/sh -o pipefail -c"})
                if (starts_with_word(text, shell)) {
                    text = trim(text.substr(shell.size()));
                    break;
                }
        step.text = std::string(text);
        return step;
    }
    step.instruction = "RUN";
    step.text = std::string(text);
    return step;
}

std::vector<RiskFinding> check_image_config(const json& config) {
    std::vector<RiskFinding> findings;
    if (!config.is_object()) return findings;
    Checks checks(findings);
    const json empty = json::object();
    const json& container = config.contains("config") && config["config"].is_object() ? config["config"] : empty;
    check_user(checks, container);
    check_env(checks, container);
    check_ports_and_volumes(checks, container);
    check_healthcheck(checks, container);
    check_history(checks, config);
    std::string base = base_image_name(config);
    if (!base.empty()) {
        std::string_view reference = base;
        size_t slash = reference.rfind('/');
        std::string_view last = slash == std::string_view::npos ? reference : reference.substr(slash + 1);
        bool pinned = last.find('@') != std::string_view::npos;
        bool tagged = last.find(':') != std::string_view::npos;
        if (!pinned && (!tagged || last.ends_with(":latest")))
            checks.add("DKL-DI-0006", Severity::Medium, "Base image used by the `latest` tag",
                       "image-config:Labels[org.opencontainers.image.base.name]", "base image " + base,
                       "Pin the base image to a version tag or a digest");
    }
    return findings;
}

}  // namespace moat
