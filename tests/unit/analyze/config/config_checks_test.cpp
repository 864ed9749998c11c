#include "analyze/config/config_checks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "vulndb/vulndb.h"

namespace moat {
namespace {

using json = nlohmann::json;

// A config that breaks no rule: a user, a health check, a clean history.
json clean_config() {
    return json{{"architecture", "amd64"},
                {"os", "linux"},
                {"config",
                 {{"User", "app"},
                  {"Env", {"PATH=/usr/local/bin:/usr/bin:/bin", "NODE_ENV=production", "PASSWORD_FILE=/run/secrets/db"}},
                  {"ExposedPorts", {{"8080/tcp", json::object()}}},
                  {"Volumes", {{"/data", json::object()}}},
                  {"Healthcheck", {{"Test", {"CMD", "curl", "-f", "http://localhost/"}}}}}},
                {"history",
                 {{{"created_by", "/bin/sh -c #(nop) ADD file:3b5f2f1c9d in / "}},
                  {{"created_by", "/bin/sh -c #(nop)  CMD [\"bash\"]"}, {"empty_layer", true}},
                  {{"created_by", "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl && "
                                  "rm -rf /var/lib/apt/lists/*"}},
                  {{"created_by", "RUN /bin/sh -c apk add --no-cache ca-certificates # buildkit"}},
                  {{"created_by", "COPY . /app # buildkit"}},
                  {{"created_by", "USER app"}, {"empty_layer", true}}}}};
}

json with_step(std::string created_by) {
    json config = clean_config();
    config["history"].push_back({{"created_by", std::move(created_by)}});
    return config;
}

std::vector<std::string> ids(const std::vector<RiskFinding>& findings) {
    std::vector<std::string> out;
    for (const auto& finding : findings) out.push_back(finding.id);
    return out;
}

const RiskFinding* find_id(const std::vector<RiskFinding>& findings, std::string_view id) {
    auto it = std::find_if(findings.begin(), findings.end(), [&](const RiskFinding& f) { return f.id == id; });
    return it == findings.end() ? nullptr : &*it;
}

// The ids a single extra history step produces on top of the clean config.
std::vector<std::string> step_ids(std::string created_by) { return ids(check_image_config(with_step(std::move(created_by)))); }

TEST(ConfigChecks, CleanConfigHasNoFinding) {
    EXPECT_TRUE(check_image_config(clean_config()).empty()) << ::testing::PrintToString(ids(check_image_config(clean_config())));
}

TEST(ConfigChecks, NotAnObjectYieldsNothing) {
    EXPECT_TRUE(check_image_config(json(nullptr)).empty());
    EXPECT_TRUE(check_image_config(json::array()).empty());
    // Malformed fields are skipped; what can be judged still is (no USER: root; no HEALTHCHECK).
    EXPECT_EQ(ids(check_image_config(json{{"config", 7}, {"history", "x"}})),
              (std::vector<std::string>{"CIS-DI-0001", "CIS-DI-0006"}));
}

TEST(ConfigChecks, RootUserIsCisDi0001) {
    for (const char* user : {"", "root", "0", "0:0", "root:staff"}) {
        json config = clean_config();
        config["config"]["User"] = user;
        auto findings = check_image_config(config);
        const auto* finding = find_id(findings, "CIS-DI-0001");
        ASSERT_NE(finding, nullptr) << user;
        EXPECT_EQ(finding->kind, "config");
        EXPECT_EQ(finding->path, "image-config:User");
        EXPECT_EQ(finding->severity, static_cast<int>(Severity::High));
        EXPECT_TRUE(finding->layer.empty());
    }
    json config = clean_config();
    config["config"].erase("User");
    EXPECT_EQ(find_id(check_image_config(config), "CIS-DI-0001")->evidence, "config.User is empty");
}

TEST(ConfigChecks, SecretNamedEnvironmentVariablesAreCisDi0010WithoutTheirValue) {
    json config = clean_config();
    config["config"]["Env"].push_back("DB_PASSWORD=hunter2hunter2");
    config["config"]["Env"].push_back("GITHUB_TOKEN=ghp_abc");
    config["config"]["Env"].push_back("API_TOKEN=${FROM_RUNTIME}");  // a reference, not a secret
    auto findings = check_image_config(config);
    std::vector<std::string> paths;
    for (const auto& finding : findings)
        if (finding.id == "CIS-DI-0010") {
            paths.push_back(finding.path);
            EXPECT_EQ(finding.evidence.find("hunter2"), std::string::npos) << "the value is never printed";
        }
    EXPECT_EQ(paths, (std::vector<std::string>{"image-config:Env[DB_PASSWORD]", "image-config:Env[GITHUB_TOKEN]"}));
}

TEST(ConfigChecks, TlsVerificationTurnedOffByEnvironment) {
    json config = clean_config();
    config["config"]["Env"] = {"NODE_TLS_REJECT_UNAUTHORIZED=0", "PYTHONHTTPSVERIFY=0", "GIT_SSL_NO_VERIFY=true"};
    auto found = ids(check_image_config(config));
    for (const char* id : {"MOAT-DI-0002", "MOAT-DI-0003", "MOAT-DI-0004"})
        EXPECT_NE(std::find(found.begin(), found.end(), id), found.end()) << id;
    config["config"]["Env"] = {"NODE_TLS_REJECT_UNAUTHORIZED=1", "PYTHONHTTPSVERIFY=1", "GIT_SSL_NO_VERIFY=false"};
    EXPECT_TRUE(check_image_config(config).empty());
    EXPECT_EQ(step_ids("/bin/sh -c NODE_TLS_REJECT_UNAUTHORIZED=0 npm ci"), std::vector<std::string>{"MOAT-DI-0002"});
}

TEST(ConfigChecks, EachBuildCommandRule) {
    EXPECT_EQ(step_ids("/bin/sh -c #(nop) ADD app.tar.gz /srv/"), std::vector<std::string>{"CIS-DI-0009"});
    EXPECT_EQ(step_ids("ADD https://example.com/tool.tgz /opt/ # buildkit"), std::vector<std::string>{"CIS-DI-0009"});
    EXPECT_EQ(step_ids("/bin/sh -c #(nop)  MAINTAINER Jane <jane@example.com>"), std::vector<std::string>{"MOAT-DI-0001"});
    EXPECT_EQ(step_ids("/bin/sh -c apt-get update"), std::vector<std::string>{"CIS-DI-0007"});
    EXPECT_EQ(step_ids("/bin/sh -c apt-get update && apt-get dist-upgrade -y && rm -rf /var/lib/apt/lists/*"),
              std::vector<std::string>{"DKL-DI-0003"});
    EXPECT_EQ(step_ids("/bin/sh -c apt-get update && apt-get install -y curl"), std::vector<std::string>{"DKL-DI-0005"});
    EXPECT_EQ(step_ids("RUN /bin/sh -c apk add curl # buildkit"), std::vector<std::string>{"DKL-DI-0004"});
    EXPECT_EQ(step_ids("/bin/sh -c sudo chown app /srv"), std::vector<std::string>{"DKL-DI-0001"});
    EXPECT_EQ(step_ids("/bin/sh -c curl -fsSLk https://get.example.com/x -o /x"), std::vector<std::string>{"MOAT-DI-0007"});
    EXPECT_EQ(step_ids("/bin/sh -c wget --no-check-certificate https://get.example.com/x"),
              std::vector<std::string>{"MOAT-DI-0007"});
    EXPECT_EQ(step_ids("/bin/sh -c npm config set strict-ssl false && npm ci"), std::vector<std::string>{"MOAT-DI-0005"});
    EXPECT_EQ(step_ids("/bin/sh -c pip install --trusted-host pypi.internal -r requirements.txt"),
              std::vector<std::string>{"MOAT-DI-0006"});
    EXPECT_EQ(step_ids("/bin/sh -c apt-get install -y --allow-unauthenticated foo && rm -rf /var/lib/apt/lists/*"),
              std::vector<std::string>{"CIS-DI-0011"});
    EXPECT_EQ(step_ids("/bin/sh -c yum install -y --nogpgcheck foo"), std::vector<std::string>{"CIS-DI-0011"});
    EXPECT_EQ(step_ids("/bin/sh -c curl -fsSL https://get.example.com/install.sh | sh -"),
              std::vector<std::string>{"MOAT-DI-0008"});
    EXPECT_EQ(step_ids("/bin/sh -c wget -qO- https://get.example.com/i | sudo bash"),
              (std::vector<std::string>{"DKL-DI-0001", "MOAT-DI-0008"}));
    // Look-alikes that are not risks.
    EXPECT_TRUE(step_ids("/bin/sh -c curl -fsSL https://example.com/x -o /x && sha256sum -c x.sha256").empty());
    EXPECT_TRUE(step_ids("/bin/sh -c echo 'apt-get update' > /notes.txt").empty());
}

TEST(ConfigChecks, SecretBuildArguments) {
    auto found = step_ids("|2 NPM_TOKEN=npm_abcdef123 VERSION=1.0 /bin/sh -c npm ci");
    EXPECT_EQ(found, std::vector<std::string>{"CIS-DI-0010"});
    EXPECT_EQ(step_ids("ARG DB_PASSWORD=s3cr3t"), std::vector<std::string>{"CIS-DI-0010"});
    EXPECT_TRUE(step_ids("ARG DB_PASSWORD").empty());
    auto findings = check_image_config(with_step("|1 API_KEY=abc123xyz /bin/sh -c make"));
    ASSERT_FALSE(findings.empty());
    EXPECT_EQ(findings.back().path, "image-config:History[6]");
}

TEST(ConfigChecks, HealthcheckPortsVolumesAndLatestBase) {
    json config = clean_config();
    config["config"].erase("Healthcheck");
    EXPECT_EQ(ids(check_image_config(config)), std::vector<std::string>{"CIS-DI-0006"});
    config = clean_config();
    config["config"]["Healthcheck"] = {{"Test", {"NONE"}}};
    EXPECT_EQ(ids(check_image_config(config)), std::vector<std::string>{"CIS-DI-0006"});

    config = clean_config();
    config["config"]["ExposedPorts"] = {{"22/tcp", json::object()}, {"23/tcp", json::object()}};
    auto findings = check_image_config(config);
    ASSERT_EQ(ids(findings), (std::vector<std::string>{"MOAT-DI-0009", "MOAT-DI-0009"}));
    EXPECT_EQ(findings[0].path, "image-config:ExposedPorts[22/tcp]");
    EXPECT_EQ(findings[1].severity, static_cast<int>(Severity::High));

    config = clean_config();
    config["config"]["Volumes"] = {{"/var/run/docker.sock", json::object()}, {"/proc/", json::object()}};
    EXPECT_EQ(ids(check_image_config(config)), (std::vector<std::string>{"DKL-DI-0002", "DKL-DI-0002"}));

    for (const char* base : {"docker.io/library/node:latest", "node", "registry:5000/team/base"}) {
        config = clean_config();
        config["config"]["Labels"] = {{"org.opencontainers.image.base.name", base}};
        EXPECT_EQ(ids(check_image_config(config)), std::vector<std::string>{"DKL-DI-0006"}) << base;
    }
    config["config"]["Labels"] = {{"org.opencontainers.image.base.name", "node:20.11-bookworm"}};
    EXPECT_TRUE(check_image_config(config).empty());
}

TEST(BuildStep, ParsesClassicBuildKitAndPlainHistory) {
    auto step = parse_build_step(0, "/bin/sh -c #(nop)  ENV A=b");
    EXPECT_EQ(step.instruction, "ENV");
    EXPECT_EQ(step.text, "A=b");
    step = parse_build_step(1, "|2 A=1 B=two /bin/sh -c make install");
    EXPECT_EQ(step.instruction, "RUN");
    EXPECT_EQ(step.text, "make install");
    EXPECT_EQ(step.build_args, (std::vector<std::pair<std::string, std::string>>{{"A", "1"}, {"B", "two"}}));
    step = parse_build_step(2, "RUN /bin/sh -c apk add --no-cache git # buildkit");
    EXPECT_EQ(step.instruction, "RUN");
    EXPECT_EQ(step.text, "apk add --no-cache git");
    step = parse_build_step(3, "/bin/sh -c #(nop) mmdebstrap --variant=minbase bookworm");
    EXPECT_EQ(step.instruction, "MMDEBSTRAP");
    step = parse_build_step(4, "|99999999999999999999 /bin/sh -c x");  // hostile count: no crash
    EXPECT_EQ(step.instruction, "RUN");
}

}  // namespace
}  // namespace moat
