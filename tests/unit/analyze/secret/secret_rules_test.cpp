// The built-in secret rules over planted secrets (one per family) and over ordinary files that
// must stay quiet: documented example keys, placeholders, config files, source code.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "analyze/secret/secret_engine.h"
#include "secret_test_support.h"
#include "test_support/apt_mirror.h"

namespace moat::testing {
namespace {

std::vector<SecretHit> scan(std::string_view text, std::string_view path = "app/config.txt") {
    static SecretMatcher matcher(SecretRuleSet::builtin());
    return matcher.scan(text, path);
}

TEST(SecretRules, AtLeastAHundredRulesWithUniqueKebabCaseIds) {
    const auto& rules = SecretRuleSet::builtin()->rules();
    EXPECT_GE(rules.size(), 100u);
    std::set<std::string> ids;
    const std::regex kebab("^[a-z0-9]+(-[a-z0-9]+)*$");
    for (const auto& rule : rules) {
        EXPECT_TRUE(ids.insert(rule.id).second) << "duplicate id " << rule.id;
        EXPECT_TRUE(std::regex_match(rule.id, kebab)) << rule.id;
        EXPECT_FALSE(rule.title.empty()) << rule.id;
    }
    for (const char* id : {"aws-access-key-id", "aws-secret-access-key", "private-key", "npm-access-token",
                           "github-pat", "gitlab-pat", "slack-bot-token", "stripe-secret-key", "jwt",
                           "alibaba-access-key-id", "tencent-secret-id", "gcp-service-account-key",
                           "azure-storage-account-key", "pypi-upload-token"})
        EXPECT_TRUE(ids.count(id)) << id;
}

struct Planted {
    std::string family;
    std::string path;
    std::string text;
    std::string rule;
    std::string secret;  // what must be found (and redacted)
    size_t line = 1;
};

std::vector<Planted> planted_cases() {
    const std::string aws_id = cat({"AKIA", "QX3TESTPUBLIC234"});
    const std::string aws_secret = fake_chars(40, kBase64, 11);
    const std::string npm = cat({"npm_", fake_chars(36, kAlnum, 12)});
    const std::string ghp = cat({"ghp_", fake_chars(36, kAlnum, 13)});
    const std::string glpat = cat({"glpat-", fake_chars(20, kAlnum, 14)});
    const std::string slack = cat({"xoxb-", "1234567890123-", "1234567890123-", fake_chars(24, kAlnum, 15)});
    const std::string stripe = cat({"sk_", "live_", fake_chars(24, kAlnum, 16)});
    const std::string pypi = cat({"pypi-", "AgEIcHlwaS5vcmc", fake_chars(60, kUrlSafe, 17)});
    const std::string ltai = cat({"LTAI", fake_chars(20, kAlnum, 18)});
    const std::string akid = cat({"AKID", fake_chars(32, kAlnum, 19)});
    const std::string azure_key = fake_chars(86, kBase64, 20) + "==";
    const std::string jwt = cat({"eyJ", fake_chars(20, kUrlSafe, 21), ".eyJ", fake_chars(30, kUrlSafe, 22), ".",
                                 fake_chars(43, kUrlSafe, 23)});
    const std::string gcp_body = fake_chars(64, kAlnum, 24);
    const std::string password = "Tr0ub4dor&3horse";
    const std::string docker_auth = fake_chars(32, kAlnum, 25) + "==";
    const std::string kube_token = fake_chars(40, kAlnum, 26);
    const std::string pem = pem_block("RSA PRIVATE KEY", 30);
    const std::string pem_first_line = pem.substr(pem.find('\n') + 1, 64);
    const std::string ed = pem_block("PRIVATE KEY", 31);
    const std::string openssh = pem_block("OPENSSH PRIVATE KEY", 32);
    const std::string encrypted = cat({"-----BEGIN ", "RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0011\n\n",
                                       fake_chars(64, kBase64, 33), "\n-----END RSA PRIVATE KEY-----\n"});
    const std::string pgp = cat({"-----BEGIN ", "PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n",
                                 fake_chars(64, kBase64, 34), "\n-----END PGP PRIVATE KEY BLOCK-----\n"});
    const std::string gh_cred = fake_chars(36, kAlnum, 35);

    return {
        {"aws id", "app/.env", "# app\nREGION=eu-west-1\nAWS_ACCESS_KEY_ID=" + aws_id + "\n", "aws-access-key-id",
         aws_id, 3},
        {"aws secret", "root/.aws/credentials", "[default]\naws_secret_access_key = " + aws_secret + "\n",
         "aws-secret-access-key", aws_secret, 2},
        {"alibaba", "app/conf.yaml", "accessKeyId: " + ltai + "\n", "alibaba-access-key-id", ltai},
        {"tencent", "app/conf.ini", "secret_id=" + akid + "\n", "tencent-secret-id", akid},
        {"gcp", "app/sa.json",
         "{\n  \"type\": \"service_account\",\n  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n" + gcp_body +
             "\\n-----END PRIVATE KEY-----\\n\"\n}\n",
         "gcp-service-account-key", gcp_body, 3},
        {"azure", "app/appsettings.json",
         "\"Storage\": \"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + azure_key +
             ";EndpointSuffix=core.windows.net\"\n",
         "azure-storage-account-key", azure_key},
        {"github", "app/deploy.sh", "#!/bin/sh\ngit clone https://x:" + ghp + "@github.com/o/r\n", "github-pat", ghp, 2},
        {"gitlab", "app/ci.env", "GL=" + glpat + "\n", "gitlab-pat", glpat},
        {"slack", "app/notify.py", "SLACK = '" + slack + "'\n", "slack-bot-token", slack},
        {"stripe", "app/pay.js", "const stripe = require('stripe')('" + stripe + "');\n", "stripe-secret-key", stripe},
        {"npm", "app/.npmrc", "//npm.registry.example.invalid/:_authToken=" + npm + "\n", "npm-access-token", npm},
        {"pypi", "root/.pypirc", "[pypi]\nusername = __token__\npassword = " + pypi + "\n", "pypi-upload-token", pypi,
         3},
        {"jwt", "app/token.txt", "Authorization: Bearer " + jwt + "\n", "jwt", jwt},
        {"rsa key", "app/key.txt", pem, "private-key", pem_first_line, 2},
        {"pkcs8 key", "app/config/server.key", ed, "private-key", ed.substr(ed.find('\n') + 1, 64), 2},
        {"openssh key", "home/u/.ssh/id_ed25519", openssh, "private-key",
         openssh.substr(openssh.find('\n') + 1, 64), 2},
        {"encrypted key", "app/enc.key", encrypted, "private-key", fake_chars(64, kBase64, 33), 5},
        {"pgp key", "app/secret.asc", pgp, "private-key", fake_chars(64, kBase64, 34), 4},
        {"connection string", "app/app.conf", "db_url = postgresql://app:" + password + "@db.internal:5432/app\n",
         "connection-string-password", password},
        {"ado.net", "app/appsettings.json",
         "{\n  \"ConnectionStrings\": {\"Db\": \"Server=db;Database=app;User Id=sa;Password=" + password + ";\"}\n}\n",
         "odbc-connection-string-password", password, 2},
        {"twilio", "app/sms.env", "TWILIO_API_KEY=" + cat({"SK", fake_chars(32, kHex, 60)}) + "\n", "twilio-api-key",
         cat({"SK", fake_chars(32, kHex, 60)})},
        {"dotenv", "srv/.env", "DEBUG=false\nDB_PASSWORD=" + password + "\n", "dotenv-secret", password, 2},
        {"spring", "app/src/main/resources/application.properties",
         "spring.datasource.url=jdbc:mysql://db/app\nspring.datasource.password=" + password + "\n",
         "spring-config-secret", password, 2},
        {"django", "app/mysite/settings.py",
         "DATABASES = {'default': {\n    'ENGINE': 'django.db.backends.postgresql',\n    'PASSWORD': '" + password +
             "',\n}}\n",
         "django-database-password", password, 3},
        {"wordpress", "var/www/html/wp-config.php", "<?php\ndefine( 'DB_PASSWORD', '" + password + "' );\n",
         "wordpress-db-password", password, 2},
        {"rails", "app/config/database.yml", "production:\n  adapter: postgresql\n  password: " + password + "\n",
         "rails-database-password", password, 3},
        {"docker config", "root/.docker/config.json",
         "{\n  \"auths\": {\n    \"registry.example.com\": {\n      \"auth\": \"" + docker_auth + "\"\n    }\n  }\n}\n",
         "docker-config-auth", docker_auth, 4},
        {"git credentials", "root/.git-credentials", "https://deploy:" + gh_cred + "@git.example.com\n",
         "git-credentials", gh_cred},
        {"kubeconfig", "root/.kube/config",
         "users:\n- name: admin\n  user:\n    token: " + kube_token + "\n", "kubeconfig-token", kube_token, 4},
        {"shell history", "root/.bash_history", "ls\nmysql -u root -p" + password + " app\n",
         "history-mysql-password", password, 2},
        {"netrc", "root/.netrc", "machine api.example.com login me password " + password + "\n", "netrc-password",
         password},
        {"pgpass", "root/.pgpass", "db.internal:5432:app:app:" + password + "\n", "pgpass-password", password},
    };
}

TEST(SecretRules, FindsOnePlantedSecretPerFamilyOnItsLineAndRedactsIt) {
    for (const auto& planted : planted_cases()) {
        SCOPED_TRACE(planted.family);
        auto hits = scan(planted.text, planted.path);
        ASSERT_EQ(hits.size(), 1u) << ::testing::PrintToString(rule_ids(hits));
        EXPECT_EQ(hits[0].rule->id, planted.rule);
        EXPECT_EQ(hits[0].line, planted.line);
        EXPECT_EQ(planted.text.substr(hits[0].offset, hits[0].length), planted.secret);
        // Redaction: same length, at most 4 characters shown at each end, the middle never.
        const std::string& shown = hits[0].redacted;
        ASSERT_EQ(shown.size(), planted.secret.size());
        const size_t keep = std::min<size_t>(4, planted.secret.size() / 4);
        EXPECT_EQ(shown.substr(0, keep), planted.secret.substr(0, keep));
        EXPECT_EQ(shown.substr(keep, shown.size() - 2 * keep), std::string(shown.size() - 2 * keep, '*'));
        EXPECT_EQ(planted.text.find(shown), std::string::npos) << "the redacted text is not the secret";
    }
}

TEST(SecretRules, RedactionShowsAtMostAQuarterAtEachEnd) {
    EXPECT_EQ(redact_secret(cat({"AKIA", "QX3TESTPUBLIC234"})), "AKIA************C234");
    EXPECT_EQ(redact_secret("hunter22"), "hu****22");
    EXPECT_EQ(redact_secret("abc"), "***");
    EXPECT_EQ(redact_secret(""), "");
    const std::string long_secret = fake_chars(200, kAlnum);
    const std::string shown = redact_secret(long_secret);
    EXPECT_EQ(shown.substr(4, 192), std::string(192, '*'));
}

TEST(SecretRules, TheTestImagesCredentialsAreFound) {
    // The values make-test-image.sh plants (ENV pair; .npmrc token).
    const std::string id = cat({"AKIA", "QX3TESTPUBLIC234"});
    const std::string secret = cat({"fPub1icF1xtureSecretKey", "/NotReal+01234567"});
    auto id_hits = scan("AWS_ACCESS_KEY_ID=" + id, "image-config:Env[AWS_ACCESS_KEY_ID]");
    ASSERT_EQ(rule_ids(id_hits), std::vector<std::string>{"aws-access-key-id"});
    EXPECT_EQ(id_hits[0].redacted, "AKIA************C234");
    auto secret_hits = scan("AWS_SECRET_ACCESS_KEY=" + secret, "image-config:Env[AWS_SECRET_ACCESS_KEY]");
    EXPECT_EQ(rule_ids(secret_hits), std::vector<std::string>{"aws-secret-access-key"});
    const std::string npm = cat({"npm_", "Fake0PublicFixture0Token0Abcdef12345"});
    EXPECT_EQ(rule_ids(scan("//npm.registry.example.invalid/:_authToken=" + npm + "\n", "app/.npmrc")),
              std::vector<std::string>{"npm-access-token"})
        << "one finding: the generic .npmrc rule yields to the npm token rule";
}

TEST(SecretRules, DocumentedExampleKeysAndPlaceholdersAreAllowed) {
    const std::vector<std::pair<std::string, std::string>> quiet = {
        {"app/.env", cat({"AWS_ACCESS_KEY_ID=", "AKIAIOSFODNN7", "EXAMPLE\n"})},
        {"app/.env", cat({"AWS_SECRET_ACCESS_KEY=", "wJalrXUtnFEMI/K7MDENG/bPxRfiCY", "EXAMPLEKEY\n"})},
        {"root/.aws/credentials", cat({"[default]\naws_access_key_id = AKIAI44QH8DHB", "EXAMPLE\n",
                                       "aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvb", "EXAMPLEKEY\n"})},
        {"app/.env", "DB_PASSWORD=changeme\nAPI_TOKEN=${API_TOKEN}\nSECRET_KEY=<secret-key>\nAUTH=xxxxxxxxxx\n"},
        {"app/.env", "export DB_PASSWORD=$DB_PASSWORD\nREDIS_PASSWORD=\nPASSWORD=your_password_here\n"},
        {"app/config/database.yml", "production:\n  password: <%= ENV['DB_PASSWORD'] %>\n"},
        {"var/www/wp-config.php", "define( 'DB_PASSWORD', 'password_here' );\n"
                                  "define( 'AUTH_KEY', 'put your unique phrase here' );\n"},
        {"app/app.conf", "url = postgresql://user:password@localhost/db\nother = mysql://root:${PASS}@db/app\n"},
        {"app/key.txt", cat({"-----BEGIN ", "RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n"})},
        {"app/ssl.py", cat({"PEM_HEADER = \"-----BEGIN ", "PRIVATE KEY-----\"\n"})},
    };
    for (const auto& [path, text] : quiet) {
        auto hits = scan(text, path);
        EXPECT_TRUE(hits.empty()) << path << ": " << text << " -> " << ::testing::PrintToString(rule_ids(hits));
    }
}

TEST(SecretRules, OrdinaryFilesAreQuiet) {
    const std::vector<std::pair<std::string, std::string>> quiet = {
        {"etc/apt/sources.list",
         "deb " + test_support::apt_mirror() + " bookworm main\ndeb " + test_support::apt_mirror() +
             "-security bookworm-security main\n"},
        {"etc/nginx/nginx.conf",
         "user www-data;\nworker_processes auto;\nhttp {\n  server {\n    listen 80;\n    location / { proxy_pass "
         "http://127.0.0.1:8080; }\n  }\n}\n"},
        {"etc/passwd", "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"},
        {"app/main.py",
         "import os\nfrom flask import Flask, request\n\napp = Flask(__name__)\napp.config['SECRET_KEY'] = "
         "os.environ['SECRET_KEY']\n\n@app.route('/login', methods=['POST'])\ndef login():\n    password = "
         "request.form['password']\n    if not check_password(password):\n        return 'bad password', 401\n"
         "    token = make_token(user_id=42)\n    return {'token': token}\n"},
        {"app/index.js",
         "const express = require('express');\nconst app = express();\nconst apiKey = process.env.API_KEY;\n"
         "app.get('/', (req, res) => res.send('hello'));\napp.listen(process.env.PORT || 3000);\n"
         "function hash(password) { return crypto.createHash('sha256').update(password).digest('hex'); }\n"},
        {"app/package.json",
         "{\n  \"name\": \"app\",\n  \"version\": \"1.0.0\",\n  \"dependencies\": {\"express\": \"4.17.1\"},\n"
         "  \"integrity\": \"sha512-" + fake_chars(86, kBase64, 40) + "==\"\n}\n"},
        {"app/config.yml", "server:\n  port: 8080\nlogging:\n  level: info\ndatabase:\n  host: db\n  password_file: "
                           "/run/secrets/db\n"},
        {"etc/ssl/openssl.cnf", "[ req ]\ndefault_bits = 2048\ndefault_keyfile = privkey.pem\n"},
        {"app/requirements.txt", "flask==2.0.1\nrequests==2.25.0\n"},
        {"app/go.sum",
         "github.com/pkg/errors v0.9.1 h1:" + fake_chars(43, kBase64, 41) + "=\n"},
    };
    for (const auto& [path, text] : quiet) {
        auto hits = scan(text, path);
        EXPECT_TRUE(hits.empty()) << path << " -> " << ::testing::PrintToString(rule_ids(hits));
    }
}

TEST(SecretRules, PathRestrictedRulesStayInTheirFiles) {
    const std::string text = "DB_PASSWORD=Tr0ub4dor&3horse\n";
    EXPECT_EQ(rule_ids(scan(text, "app/.env")), std::vector<std::string>{"dotenv-secret"});
    EXPECT_TRUE(scan(text, "app/notes.txt").empty()) << "KEY=VALUE outside a .env file is not enough";
    EXPECT_TRUE(scan("a:b:c:d:Tr0ub4dor&3horse\n", "etc/group").empty());
    EXPECT_TRUE(scan(text, "usr/share/doc/app/examples/.env").empty()) << "documentation trees are not read";
}

TEST(SecretRules, FindsEverySecretOnEveryLineWithItsLineNumber) {
    std::string text;
    std::vector<size_t> lines;
    for (int i = 0; i < 50; ++i) {
        text += "filler line " + std::to_string(i) + "\n";
        if (i % 10 == 3) {
            text += "token: " + cat({"ghp_", fake_chars(36, kAlnum, static_cast<unsigned>(100 + i))}) + "\n";
            lines.push_back(static_cast<size_t>(i) + 2 + lines.size());
        }
    }
    auto hits = scan(text);
    ASSERT_EQ(hits.size(), lines.size());
    for (size_t i = 0; i < hits.size(); ++i) EXPECT_EQ(hits[i].line, lines[i]);
    // Two on one line.
    const std::string two = "a=" + cat({"ghp_", fake_chars(36, kAlnum, 1)}) + " b=" + cat({"ghp_", fake_chars(36, kAlnum, 2)});
    EXPECT_EQ(scan(two).size(), 2u);
}

TEST(SecretRules, GenericRulesNeedARandomLookingValue) {
    EXPECT_EQ(rule_ids(scan("api_key = \"" + fake_chars(32, kAlnum, 50) + "\"\n", "app/client.py")),
              std::vector<std::string>{"generic-api-key"});
    EXPECT_TRUE(scan("api_key = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n", "app/client.py").empty());
    EXPECT_TRUE(scan("api_key = \"the_api_key_of_the_service\"\n", "app/client.py").empty());
}

TEST(SecretRules, HostileTextIsBounded) {
    // A long line of one token shape, a huge run of base64, and many hits: no crash, bounded.
    std::string line(2 << 20, 'A');
    EXPECT_TRUE(scan(line).empty());
    std::string many;
    for (int i = 0; i < 20000; ++i) many += cat({"ghp_", fake_chars(36, kAlnum, static_cast<unsigned>(i))}) + "\n";
    auto hits = scan(many);
    EXPECT_GT(hits.size(), 0u);
    EXPECT_LE(hits.size(), 500u);
}

}  // namespace
}  // namespace moat::testing

namespace moat::testing {
namespace {

TEST(SecretRules, HyperscanSeesCountedRepeatsWidened) {
    EXPECT_EQ(loosen_counted_repeats("AKIA[A-Z0-9]{16}"), "AKIA[A-Z0-9]{8,}");
    EXPECT_EQ(loosen_counted_repeats("a[x-z]{0,20}?b{2}c{3,5}"), "a[x-z]*b{2,}c{3,}");
    EXPECT_EQ(loosen_counted_repeats(R"(\{12\}[{]{40}[]{]{9})"), R"(\{12\}[{]{8,}[]{]{8,})");
    EXPECT_EQ(loosen_counted_repeats("x{,3}{a}"), "x{,3}{a}") << "not counted repeats: left alone";
}

}  // namespace
}  // namespace moat::testing

namespace moat::testing {
namespace {

// Vendor tokens by their published shapes, each alone on a line of an ordinary file.
TEST(SecretRules, VendorTokenShapes) {
    const std::string lower_alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
    const std::string uuid = fake_chars(8, kHex, 1) + "-" + fake_chars(4, kHex, 2) + "-" + fake_chars(4, kHex, 3) +
                             "-" + fake_chars(4, kHex, 4) + "-" + fake_chars(12, kHex, 5);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"gcp-api-key", cat({"AIza", fake_chars(35, kUrlSafe, 1)})},
        {"gcp-oauth-client-secret", cat({"GOCSPX-", fake_chars(28, kAlnum, 2)})},
        {"digitalocean-pat", cat({"dop_v1_", fake_chars(64, kHex, 3)})},
        {"github-fine-grained-pat", cat({"github_pat_", fake_chars(82, kAlnum, 4)})},
        {"github-oauth", cat({"gho_", fake_chars(36, kAlnum, 5)})},
        {"gitlab-runner-auth-token", cat({"glrt-", fake_chars(20, kAlnum, 6)})},
        {"slack-webhook-url", cat({"https://hooks.slack.com/services/T", fake_chars(10, kUpperDigits, 7), "/B",
                                   fake_chars(10, kUpperDigits, 8), "/", fake_chars(24, kAlnum, 9)})},
        {"sendgrid-api-key", cat({"SG.", fake_chars(22, kUrlSafe, 10), ".", fake_chars(43, kUrlSafe, 11)})},
        {"stripe-webhook-secret", cat({"whsec_", fake_chars(32, kAlnum, 12)})},
        {"shopify-access-token", cat({"shpat_", fake_chars(32, kHex, 13)})},
        {"rubygems-api-key", cat({"rubygems_", fake_chars(48, kHex, 14)})},
        {"dockerhub-pat", cat({"dckr_pat_", fake_chars(27, kAlnum, 15)})},
        {"hugging-face-token", cat({"hf_", fake_chars(34, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 16)})},
        {"openai-api-key", cat({"sk-proj-", fake_chars(24, kAlnum, 17), "T3BlbkFJ", fake_chars(24, kAlnum, 18)})},
        {"anthropic-api-key", cat({"sk-ant-api03-", fake_chars(93, kUrlSafe, 19)})},
        {"newrelic-user-api-key", cat({"NRAK-", fake_chars(27, kUpperDigits, 20)})},
        {"vault-service-token", cat({"hvs.", fake_chars(95, kAlnum, 21)})},
        {"age-secret-key", cat({"AGE-SECRET-KEY-1", fake_chars(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 22)})},
        {"mailgun-api-key", cat({"key-", fake_chars(32, kHex, 23)})},
        {"telegram-bot-token", cat({"123456789:AA", fake_chars(33, kUrlSafe, 24)})},
        {"databricks-token", cat({"dapi", fake_chars(32, "abcdefgh0123456789", 25)})},
        {"pulumi-token", cat({"pul-", fake_chars(40, kHex, 26)})},
        {"postman-api-key", cat({"PMAK-", fake_chars(24, kHex, 27), "-", fake_chars(34, kHex, 28)})},
        {"grafana-service-account-token", cat({"glsa_", fake_chars(32, kAlnum, 29), "_", fake_chars(8, kHex, 30)})},
        {"heroku-api-key", "HEROKU_API_KEY=" + uuid},
        {"datadog-api-key", "DD_API_KEY=" + fake_chars(32, kHex, 31)},
        {"azure-ad-client-secret", cat({fake_chars(3, kAlnum, 32), "8Q~", fake_chars(34, kAlnum, 33)})},
        {"connection-string-password", "MONGO_URL=mongodb+srv://app:Tr0ub4dor3horse@cluster0.example.net/app"},
        {"jdbc-password", "url=jdbc:postgresql://db:5432/app?user=app&password=Tr0ub4dor3horse"},
        {"rails-secret-key-base", "secret_key_base: " + fake_chars(128, kHex, 34)},
        {"kubeconfig-client-key", "    client-key-data: " + fake_chars(120, kBase64, 35)},
    };
    for (const auto& [id, line] : cases) {
        auto hits = scan("# config\n" + line + "\n", "srv/app/settings.conf");
        EXPECT_EQ(rule_ids(hits), std::vector<std::string>{id}) << line;
        // Inside a longer base64 run, the same shape is a coincidence.
    }
    EXPECT_TRUE(scan(cat({"data:", fake_chars(40, kBase64, 40), "+", "ghp_", fake_chars(36, kAlnum, 41), "/",
                          fake_chars(40, kBase64, 42)}))
                    .empty());
}

}  // namespace
}  // namespace moat::testing
