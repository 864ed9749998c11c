// The built-in secret rules. Token formats are the vendors' published prefixes and lengths;
// key-anchored rules ("aws_secret_access_key = …") catch secrets without a recognisable shape.
// Specific rules come first: on a line where two rules find the same secret, the first wins.
#include <initializer_list>

#include "analyze/secret/secret_rule.h"

namespace moat {
namespace {

// Fragments both engines read alike.
const std::string kAssign = R"re(["']?\s*(?::|=|:=|=>)\s*["']?)re";  // key ⟶ value
// Token edges: not inside a longer run of token or base64 characters ("+", "/"), where a
// vendor prefix would be a coincidence.
const std::string kLead = "(?:^|[^A-Za-z0-9_+/-])";
const std::string kTail = "(?:[^A-Za-z0-9_+/-]|$)";
const std::string kB64Tail = "(?:[^A-Za-z0-9/+=]|$)";

struct Rule {
    SecretRule rule;
    Rule(std::string id, std::string title, Severity severity, std::string regex, int group = 1) {
        rule.id = std::move(id);
        rule.title = std::move(title);
        rule.severity = severity;
        rule.regex = std::move(regex);
        rule.secret_group = group;
    }
    Rule& icase() {
        rule.case_insensitive = true;
        return *this;
    }
    Rule& keywords(std::initializer_list<const char*> words) {
        for (const char* word : words) rule.keywords.emplace_back(word);
        return *this;
    }
    Rule& entropy(double bits) {
        rule.min_entropy = bits;
        return *this;
    }
    Rule& min_length(size_t length) {
        rule.min_secret_length = length;
        return *this;
    }
    Rule& paths(std::string regex) {
        rule.paths = std::move(regex);
        return *this;
    }
    Rule& allow_paths(std::initializer_list<const char*> regexes) {
        for (const char* regex : regexes) rule.allow_paths.emplace_back(regex);
        return *this;
    }
    Rule& block() {
        rule.block_body = true;
        return *this;
    }
    operator SecretRule() const { return rule; }  // NOLINT: the table reads better without casts
};

// A vendor token: a literal prefix and a body of known characters and length.
Rule token(std::string id, std::string title, Severity severity, const std::string& body) {
    return Rule(std::move(id), std::move(title), severity, kLead + "(" + body + ")" + kTail);
}

// "<key> = <value>": the key names the secret, the value has a known shape.
Rule keyed(std::string id, std::string title, Severity severity, const std::string& key,
           const std::string& value) {
    return Rule(std::move(id), std::move(title), severity, "(?:" + key + ")" + kAssign + "(" + value + ")")
        .icase();
}

constexpr Severity kCritical = Severity::Critical;
constexpr Severity kHigh = Severity::High;
constexpr Severity kMedium = Severity::Medium;
constexpr Severity kLow = Severity::Low;

// Files whose format says where the password is.
const std::string kDotenvPath = R"re((?:^|/)\.env(?:\.[A-Za-z0-9_-]+)?$|(?:^|/)[^/]*\.env$)re";
const std::string kSpringPath =
    R"re((?:^|/)(?:application|bootstrap)(?:-[A-Za-z0-9_-]+)?\.(?:properties|ya?ml)$)re";
const std::string kDjangoPath = R"re((?:^|/)(?:settings|local_settings|settings_[a-z]+)\.py$|/settings/[a-z_]+\.py$)re";
const std::string kWordpressPath = R"re((?:^|/)wp-config(?:-[a-z]+)?\.php$)re";
const std::string kRailsDbPath = R"re((?:^|/)database\.ya?ml$)re";
const std::string kHistoryPath =
    R"re((?:^|/)\.(?:bash_history|zsh_history|sh_history|ash_history|history|mysql_history|psql_history|python_history|node_repl_history)$|^image-config:History)re";
const std::string kKubeconfigPath = R"re((?:^|/)\.kube/config$|(?:^|/)kubeconfig[^/]*$|\.kubeconfig$)re";

std::vector<SecretRule> make_rules() {
    std::vector<SecretRule> rules = {
        // ---- Cloud providers -------------------------------------------------------------
        token("aws-access-key-id", "AWS Access Key ID", kCritical,
              "(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}"),
        Rule("aws-secret-access-key", "AWS Secret Access Key", kCritical,
             R"re((?:aws_?secret_?(?:access_?)?key|secret_?access_?key)["']?\s*(?::|=|:=|=>)\s*["']?([A-Za-z0-9/+=]{40}))re" +
                 kB64Tail)
            .icase()
            .keywords({"secret"})
            .entropy(3.0),
        keyed("aws-session-token", "AWS Session Token", kHigh, R"re(aws_?session_?token|aws_?security_?token)re",
              "[A-Za-z0-9/+=]{100,}"),
        token("aws-mws-key", "Amazon MWS Auth Token", kHigh,
              R"re(amzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})re"),
        token("alibaba-access-key-id", "Alibaba Cloud AccessKey ID", kCritical, "LTAI[A-Za-z0-9]{12,20}"),
        keyed("alibaba-secret-key", "Alibaba Cloud AccessKey Secret", kCritical,
              R"re((?:alibaba|aliyun|alicloud)[a-z0-9_.-]{0,20}(?:secret|access_?key_?secret)[a-z0-9_.-]{0,10})re",
              "[A-Za-z0-9]{30}")
            .entropy(3.0),
        token("tencent-secret-id", "Tencent Cloud SecretId", kCritical, "AKID[A-Za-z0-9]{32}"),
        keyed("tencent-secret-key", "Tencent Cloud SecretKey", kCritical,
              R"re((?:tencent|qcloud|tccli|tencentcloud)[a-z0-9_.-]{0,20}secret_?key)re", "[A-Za-z0-9]{32}")
            .entropy(3.0),
        Rule("gcp-service-account-key", "Google Cloud service account private key", kCritical,
             R"re("private_key"\s*:\s*"-----BEGIN[A-Z ]{0,20}PRIVATE KEY-----\\n([A-Za-z0-9+/]{32,}))re")
            .keywords({"private_key"}),
        token("gcp-api-key", "Google API key", kHigh, "AIza[0-9A-Za-z_-]{35}"),
        token("gcp-oauth-client-secret", "Google OAuth client secret", kHigh, "GOCSPX-[A-Za-z0-9_-]{28}"),
        token("google-oauth-access-token", "Google OAuth access token", kHigh, R"re(ya29\.[0-9A-Za-z_-]{30,})re"),
        Rule("azure-storage-account-key", "Azure Storage account key", kCritical,
             R"re(AccountKey\s*=\s*([A-Za-z0-9+/]{86}==))re")
            .icase(),
        Rule("azure-shared-access-key", "Azure Service Bus / Event Hubs shared access key", kHigh,
             R"re(SharedAccessKey\s*=\s*([A-Za-z0-9+/]{43}=))re")
            .icase(),
        Rule("azure-sas-token", "Azure shared access signature", kHigh,
             R"re(sv=20\d\d-\d\d-\d\d&[^\s"'<>]{0,300}?sig=([A-Za-z0-9%+/]{40,100}))re")
            .icase(),
        token("azure-ad-client-secret", "Azure AD client secret", kHigh,
              R"re([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34})re"),
        keyed("azure-client-secret", "Azure client secret", kHigh,
              R"re(azure[_.-]?client[_.-]?secret|arm[_.-]?client[_.-]?secret)re", R"re([A-Za-z0-9_~.-]{32,44})re")
            .entropy(3.5),
        keyed("azure-devops-pat", "Azure DevOps personal access token", kHigh,
              R"re((?:azure[_.-]?devops|vsts)[a-z0-9_.-]{0,20}(?:pat|token))re", "[a-z0-9]{52}"),
        token("digitalocean-pat", "DigitalOcean personal access token", kHigh, "dop_v1_[a-f0-9]{64}"),
        token("digitalocean-oauth-token", "DigitalOcean OAuth token", kHigh, "doo_v1_[a-f0-9]{64}"),
        token("digitalocean-refresh-token", "DigitalOcean refresh token", kHigh, "dor_v1_[a-f0-9]{64}"),
        keyed("heroku-api-key", "Heroku API key", kHigh, R"re(heroku[a-z0-9_.-]{0,20}(?:key|token|secret))re",
              "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
        keyed("linode-token", "Linode API token", kHigh, R"re(linode[a-z0-9_.-]{0,20}(?:token|key))re", "[a-f0-9]{64}"),
        keyed("scaleway-secret-key", "Scaleway secret key", kHigh, R"re(scw[a-z0-9_.-]{0,10}secret[a-z0-9_.-]{0,10})re",
              "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
        token("vault-service-token", "HashiCorp Vault token", kHigh, R"re(hv[sb]\.[A-Za-z0-9_-]{90,})re"),
        token("terraform-cloud-token", "Terraform Cloud / Enterprise API token", kHigh,
              R"re([A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70})re"),
        token("doppler-token", "Doppler API token", kHigh, R"re(dp\.(?:pt|st|sa|ct|scim)\.[A-Za-z0-9]{40,44})re"),
        token("pulumi-token", "Pulumi access token", kHigh, "pul-[a-f0-9]{40}"),
        token("databricks-token", "Databricks API token", kHigh, "dapi[a-h0-9]{32}"),
        token("cloudflare-origin-ca-key", "Cloudflare Origin CA key", kHigh, R"re(v1\.0-[a-f0-9]{24}-[a-f0-9]{146})re"),
        keyed("cloudflare-api-key", "Cloudflare API key or token", kHigh,
              R"re(cloudflare[a-z0-9_.-]{0,20}(?:key|token))re", "[A-Za-z0-9_-]{37,40}")
            .entropy(3.5),
        keyed("fastly-api-token", "Fastly API token", kHigh, R"re(fastly[a-z0-9_.-]{0,20}(?:key|token))re",
              "[A-Za-z0-9_-]{32}")
            .entropy(3.5),
        keyed("netlify-token", "Netlify access token", kHigh, R"re(netlify[a-z0-9_.-]{0,20}(?:key|token))re",
              "[A-Za-z0-9_-]{40,46}")
            .entropy(3.5),
        keyed("ibm-cloud-iam-key", "IBM Cloud IAM API key", kHigh,
              "(?:ibm|bluemix)[a-z0-9_.-]{0,20}(?:api_?key|apikey)", "[A-Za-z0-9_-]{44}"),
        token("openshift-token", "OpenShift user token", kHigh, "sha256~[A-Za-z0-9_-]{43}"),
        token("age-secret-key", "age encryption secret key", kHigh,
              "AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),

        // ---- Source hosting and CI ---------------------------------------------------------
        token("github-pat", "GitHub personal access token", kCritical, "ghp_[A-Za-z0-9]{36}"),
        token("github-fine-grained-pat", "GitHub fine-grained personal access token", kCritical,
              "github_pat_[A-Za-z0-9_]{82}"),
        token("github-oauth", "GitHub OAuth access token", kCritical, "gho_[A-Za-z0-9]{36}"),
        token("github-app-token", "GitHub App token", kCritical, "(?:ghu|ghs)_[A-Za-z0-9]{36}"),
        token("github-refresh-token", "GitHub refresh token", kCritical, "ghr_[A-Za-z0-9]{36,76}"),
        token("gitlab-pat", "GitLab personal access token", kCritical, "glpat-[A-Za-z0-9_-]{20}"),
        token("gitlab-pipeline-trigger-token", "GitLab pipeline trigger token", kHigh, "glptt-[0-9a-f]{40}"),
        token("gitlab-runner-token", "GitLab runner registration token", kHigh, "GR1348941[A-Za-z0-9_-]{20}"),
        token("gitlab-runner-auth-token", "GitLab runner authentication token", kHigh, "glrt-[A-Za-z0-9_-]{20}"),
        token("gitlab-deploy-token", "GitLab deploy token", kHigh, "gldt-[A-Za-z0-9_-]{20}"),
        token("gitlab-oauth-secret", "GitLab OAuth application secret", kHigh, "gloas-[0-9a-f]{64}"),
        token("gitlab-cicd-job-token", "GitLab CI/CD job token", kMedium, "glcbt-[0-9a-f]{1,5}_[A-Za-z0-9_-]{20}"),
        token("gitlab-feed-token", "GitLab feed token", kMedium, "glft-[A-Za-z0-9_-]{20}"),
        token("gitlab-scim-token", "GitLab SCIM token", kHigh, "glsoat-[A-Za-z0-9_-]{20}"),
        keyed("bitbucket-client-secret", "Bitbucket client secret", kHigh,
              R"re(bitbucket[a-z0-9_.-]{0,20}secret)re", "[A-Za-z0-9_=-]{64}"),
        token("atlassian-api-token", "Atlassian API token", kHigh, "ATATT3[A-Za-z0-9_=-]{186}"),
        token("sonarqube-token", "SonarQube token", kHigh, "sq[pua]_[a-f0-9]{40}"),
        token("circleci-token", "CircleCI personal token", kHigh, "CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}"),
        token("buildkite-token", "Buildkite agent or API token", kHigh, "bkua_[a-f0-9]{40}"),

        // ---- Messaging and mail -------------------------------------------------------------
        token("slack-bot-token", "Slack bot token", kHigh, "xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24,34}"),
        token("slack-user-token", "Slack user token", kHigh, "xox[pe](?:-[0-9]{10,13}){3}-[A-Za-z0-9]{28,34}"),
        token("slack-app-token", "Slack app-level token", kHigh, "xapp-[0-9]-[A-Z0-9]+-[0-9]+-[a-f0-9]{32,}"),
        token("slack-config-token", "Slack configuration token", kHigh, R"re(xoxe\.xox[bp]-[0-9]-[A-Z0-9]{150,170})re"),
        token("slack-legacy-token", "Slack legacy token", kHigh, "xox[osar]-[0-9]{1,13}-[0-9]{1,13}-[0-9A-Za-z-]{10,60}"),
        Rule("slack-webhook-url", "Slack incoming webhook", kMedium,
             R"re(hooks\.slack\.com/(?:services|workflows|triggers)/(T[A-Z0-9]{8,12}/[A-Z0-9]{8,12}/[A-Za-z0-9]{20,32}))re"),
        Rule("discord-webhook-url", "Discord webhook", kMedium,
             R"re(discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/([A-Za-z0-9_-]{60,68}))re"),
        keyed("discord-bot-token", "Discord bot token", kHigh, R"re(discord[a-z0-9_.-]{0,20}(?:token|secret))re",
              R"re([A-Za-z0-9_-]{24}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38})re"),
        Rule("telegram-bot-token", "Telegram bot token", kHigh, "(?:^|[^0-9])([0-9]{8,10}:AA[0-9A-Za-z_-]{33})" + kTail),
        Rule("teams-webhook-url", "Microsoft Teams webhook", kMedium,
             R"re(https://[a-z0-9-]+\.webhook\.office\.com/webhookb2/([a-z0-9@-]{40,120}/IncomingWebhook/[a-z0-9]{32}/[a-z0-9-]{36}))re")
            .icase(),
        keyed("twilio-api-key", "Twilio API key", kHigh, R"re(twilio[a-z0-9_.-]{0,20}(?:key|sid|secret))re",
              "SK[0-9a-fA-F]{32}"),
        token("sendgrid-api-key", "SendGrid API key", kHigh, R"re(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})re"),
        token("mailgun-api-key", "Mailgun API key", kHigh, "(?:pub)?key-[0-9a-f]{32}"),
        token("mailchimp-api-key", "Mailchimp API key", kHigh, "[0-9a-f]{32}-us[0-9]{1,2}"),
        token("brevo-api-key", "Brevo (Sendinblue) API key", kHigh, "xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}"),
        keyed("postmark-server-token", "Postmark server token", kHigh, R"re(postmark[a-z0-9_.-]{0,20}(?:token|key))re",
              "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),

        // ---- Payments and commerce ----------------------------------------------------------
        token("stripe-secret-key", "Stripe secret key", kCritical, "sk_(?:live|test)_[0-9A-Za-z]{24,99}"),
        token("stripe-restricted-key", "Stripe restricted key", kHigh, "rk_(?:live|test)_[0-9A-Za-z]{24,99}"),
        token("stripe-webhook-secret", "Stripe webhook signing secret", kHigh, "whsec_[A-Za-z0-9]{32,}"),
        token("square-access-token", "Square access token", kHigh, "(?:sq0atp-[0-9A-Za-z_-]{22}|EAAA[A-Za-z0-9_-]{60})"),
        token("square-oauth-secret", "Square OAuth secret", kHigh, "sq0csp-[0-9A-Za-z_-]{43}"),
        token("paypal-braintree-token", "PayPal Braintree access token", kHigh,
              R"re(access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32})re"),
        token("shopify-access-token", "Shopify access token", kHigh, "shp(?:at|ca|pa)_[a-fA-F0-9]{32}"),
        token("shopify-shared-secret", "Shopify shared secret", kHigh, "shpss_[a-fA-F0-9]{32}"),
        token("flutterwave-secret-key", "Flutterwave secret key", kHigh, "FLWSECK(?:_TEST)?-[a-h0-9]{32}-X"),
        token("plaid-access-token", "Plaid access token", kHigh,
              "access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
        token("shippo-api-token", "Shippo API token", kHigh, "shippo_(?:live|test)_[a-f0-9]{40}"),
        token("easypost-api-key", "EasyPost API key", kHigh, "EZ[AT]K[A-Za-z0-9]{54}"),

        // ---- Package registries -------------------------------------------------------------
        token("npm-access-token", "npm access token", kCritical, "npm_[A-Za-z0-9]{36}"),
        Rule("npmrc-auth-token", "npm registry auth token in .npmrc", kHigh,
             R"re(_authToken\s*=\s*["']?([^\s"'$]{8,}))re")
            .keywords({"_authtoken"})
            .min_length(16),
        Rule("npmrc-auth", "npm registry credentials in .npmrc", kHigh,
             R"re((?:^|:)_(?:auth|password)\s*=\s*["']?([A-Za-z0-9+/=]{8,}))re")
            .paths(R"re((?:^|/)\.?npmrc$)re"),
        token("pypi-upload-token", "PyPI upload token", kCritical, "pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
        Rule("pypirc-password", "Password in .pypirc", kHigh, R"re(^\s*password\s*[:=]\s*(\S{4,}))re")
            .paths(R"re((?:^|/)\.pypirc$)re"),
        token("rubygems-api-key", "RubyGems API key", kHigh, "rubygems_[a-f0-9]{48}"),
        token("nuget-api-key", "NuGet API key", kHigh, "oy2[a-z0-9]{43}"),
        token("crates-io-token", "crates.io API token", kHigh, "cio[A-Za-z0-9]{32}").keywords({"token"}),
        token("dockerhub-pat", "Docker Hub personal access token", kHigh, "dckr_pat_[A-Za-z0-9_-]{27}"),
        Rule("docker-config-auth", "Registry credentials in a Docker config", kHigh,
             R"re("auth"\s*:\s*"([A-Za-z0-9+/]{8,}={0,2})")re")
            .paths(R"re((?:^|/)\.docker/config\.json$|(?:^|/)\.dockercfg$|(?:^|/)containers/auth\.json$)re"),
        token("artifactory-api-key", "JFrog Artifactory API key", kHigh, "AKCp[0-9][A-Za-z0-9]{69}"),
        token("artifactory-reference-token", "JFrog Artifactory reference token", kHigh,
              "cmVmdGtuOjAxOj[A-Za-z0-9]{40,}"),
        Rule("maven-settings-password", "Password in Maven settings.xml", kHigh,
             R"re(<password>\s*([^<$\s][^<]{2,}?)\s*</password>)re")
            .paths(R"re((?:^|/)settings(?:-security)?\.xml$)re")
            .allow_paths({R"re(^etc/maven/|(?:^|/)(?:apache-)?maven[^/]*/conf/)re"}),
        token("hugging-face-token", "Hugging Face access token", kHigh, "hf_[A-Za-z]{34}"),
        token("grafana-cloud-token", "Grafana Cloud API token", kHigh, "glc_[A-Za-z0-9+/]{32,400}={0,2}"),
        token("grafana-service-account-token", "Grafana service account token", kHigh, "glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}"),
        token("postman-api-key", "Postman API key", kHigh, "PMAK-[a-f0-9]{24}-[a-f0-9]{34}"),
        token("prefect-api-key", "Prefect API key", kHigh, "pnu_[A-Za-z0-9]{36}"),
        token("planetscale-token", "PlanetScale password or token", kHigh, "pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.=-]{32,64}"),
        token("linear-api-key", "Linear API key", kHigh, "lin_api_[A-Za-z0-9]{40}"),
        token("contentful-token", "Contentful personal access token", kHigh, "CFPAT-[A-Za-z0-9_-]{43}"),
        token("typeform-token", "Typeform personal access token", kHigh, "tfp_[A-Za-z0-9_.=-]{59}"),
        token("readme-api-key", "ReadMe API key", kHigh, "rdme_[a-z0-9]{70}"),
        token("frameio-token", "Frame.io API token", kHigh, "fio-u-[A-Za-z0-9_=-]{64}"),

        // ---- AI, observability and SaaS -----------------------------------------------------
        token("openai-api-key", "OpenAI API key", kHigh, "sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,74}T3BlbkFJ[A-Za-z0-9_-]{20,74}"),
        token("anthropic-api-key", "Anthropic API key", kHigh, "sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,100}"),
        token("newrelic-user-api-key", "New Relic user API key", kHigh, "NRAK-[A-Z0-9]{27}"),
        token("newrelic-insert-key", "New Relic insert key", kMedium, "NRII-[A-Za-z0-9_-]{32}"),
        keyed("datadog-api-key", "Datadog API or application key", kHigh,
              R"re((?:datadog_?|dd_)(?:api|app|application)_?key)re", "[a-f0-9]{32}(?:[a-f0-9]{8})?"),
        token("sentry-auth-token", "Sentry auth token", kHigh, "(?:sntrys_[A-Za-z0-9+/=_]{60,}|sntryu_[a-f0-9]{64})"),
        token("dynatrace-api-token", "Dynatrace API token", kHigh, R"re(dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64})re"),
        keyed("okta-api-token", "Okta API token", kHigh, R"re(okta[a-z0-9_.-]{0,20}(?:token|key))re", "00[A-Za-z0-9_-]{40}"),
        token("mapbox-secret-token", "Mapbox secret token", kHigh, R"re(sk\.eyJ[A-Za-z0-9_-]{50,}\.[A-Za-z0-9_-]{20,})re"),
        token("twitter-bearer-token", "Twitter/X bearer token", kHigh, "AAAAAAAAAAAAAAAAAAAAA[A-Za-z0-9%]{30,}"),
        token("facebook-access-token", "Facebook access token", kHigh, "EAA[CM][A-Za-z0-9]{100,}"),
        token("dropbox-access-token", "Dropbox access token", kHigh, R"re(sl\.[A-Za-z0-9_-]{130,152})re"),
        keyed("asana-pat", "Asana personal access token", kMedium, R"re(asana[a-z0-9_.-]{0,20}(?:token|pat|key))re",
              "[0-9]/[0-9]{16}:[A-Za-z0-9]{32}"),
        keyed("algolia-admin-key", "Algolia admin API key", kHigh, R"re(algolia[a-z0-9_.-]{0,20}(?:admin|api)[a-z0-9_.-]{0,10}key)re",
              "[a-f0-9]{32}"),
        keyed("firebase-cloud-messaging-key", "Firebase Cloud Messaging server key", kHigh,
              R"re((?:fcm|firebase)[a-z0-9_.-]{0,20}(?:server)?[a-z0-9_.-]{0,5}key)re", R"re(AAAA[A-Za-z0-9_-]{7}:[A-Za-z0-9_-]{140})re"),

        // ---- Keys and tokens of a known structure -------------------------------------------
        Rule("private-key", "Private key", kHigh,
             R"re(-----BEGIN[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----)re", 0)
            .block(),
        Rule("putty-private-key", "PuTTY private key", kHigh, R"re(^Private-Lines: [0-9]+\s*$)re", 0).block(),
        Rule("ssh2-private-key", "SSH2 (ssh.com) private key", kHigh,
             R"re(---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----)re", 0)
            .block(),
        token("jwt", "JSON Web Token", kMedium, R"re(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})re"),
        Rule("kubeconfig-client-key", "Client private key in a kubeconfig", kHigh,
             R"re(client-key-data\s*:\s*["']?([A-Za-z0-9+/=]{40,}))re"),
        Rule("kubeconfig-token", "Bearer token in a kubeconfig", kHigh,
             R"re(^\s*(?:token|id-token|refresh-token|auth-provider-token)\s*:\s*["']?([A-Za-z0-9._~+/=-]{16,}))re")
            .paths(kKubeconfigPath),

        // ---- Credentials in URLs and connection strings -------------------------------------
        Rule("git-credentials", "Credentials in .git-credentials", kHigh,
             R"re(https?://[^\s:/@]{1,128}:([^\s@]{3,256})@)re")
            .paths(R"re((?:^|/)\.git-credentials$|(?:^|/)\.config/git/credentials$)re"),
        Rule("connection-string-password", "Password in a database or broker URL", kHigh,
             R"re((?:postgres(?:ql)?|mysql|mysqlx|mariadb|mongodb(?:\+srv)?|redis|rediss|amqps?|mssql|sqlserver|oracle|couchdb|cassandra|clickhouse|neo4j|nats|kafka|ldaps?|sftp|ftps?|smtps?)(?:\+[a-z0-9]+)?://[^\s:/@"'<>]{1,128}:([^\s/@"'<>]{3,256})@[^\s/"'<>]{2,})re")
            .icase()
            .keywords({"://"}),
        Rule("jdbc-password", "Password in a JDBC URL", kHigh,
             R"re(jdbc:[a-z0-9]+:[^\s"'<>]{0,200}?[?;&:]password=([^\s&;"'<>]{3,}))re")
            .icase(),
        Rule("odbc-connection-string-password", "Password in an ADO.NET/ODBC connection string", kHigh,
             R"re((?:^|[;"'])\s*(?:password|pwd)\s*=\s*([^;"'\s<>]{3,})\s*(?:[;"']|$))re")
            .icase()
            .keywords({"server", "data source", "host", "address"}),
        Rule("url-basic-auth", "Credentials in an HTTP URL", kMedium,
             R"re(https?://[A-Za-z0-9._%+-]{1,64}:([^\s/@"'<>:]{3,128})@[A-Za-z0-9.-]+\.[A-Za-z]{2,})re")
            .icase()
            .entropy(2.5),

        // ---- Config files where the format says which value is the password -----------------
        Rule("dotenv-secret", "Secret in a .env file", kHigh,
             R"re(^\s*(?:export\s+)?[A-Z0-9_.]*(?:PASSWORD|PASSWD|PASS|PWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH)[A-Z0-9_.]*\s*=\s*["']?([^\s"'#]{4,}))re")
            .icase()
            .paths(kDotenvPath),
        Rule("spring-config-secret", "Secret in a Spring application config", kHigh,
             R"re(^\s*[A-Za-z0-9_.-]*(?:password|secret|credentials|token|api-key)\s*[:=]\s*["']?([^\s"'#]{4,}))re")
            .icase()
            .paths(kSpringPath),
        Rule("django-secret-key", "Django SECRET_KEY", kHigh,
             R"re(^\s*SECRET_KEY\s*=\s*[rb]?["']([^"']{20,})["'])re")
            .paths(kDjangoPath),
        Rule("django-database-password", "Database password in Django settings", kHigh,
             R"re(["']PASSWORD["']\s*:\s*["']([^"']{4,})["'])re")
            .paths(kDjangoPath),
        Rule("wordpress-db-password", "Database password in wp-config.php", kHigh,
             R"re(define\s*\(\s*["']DB_PASSWORD["']\s*,\s*["']([^"']{4,})["'])re")
            .paths(kWordpressPath),
        Rule("wordpress-auth-key", "Authentication key or salt in wp-config.php", kMedium,
             R"re(define\s*\(\s*["'](?:AUTH|SECURE_AUTH|LOGGED_IN|NONCE)_(?:KEY|SALT)["']\s*,\s*["']([^"']{20,})["'])re")
            .paths(kWordpressPath),
        Rule("rails-database-password", "Password in config/database.yml", kHigh,
             R"re(^\s*password\s*:\s*["']?([^\s"'#]{4,}))re")
            .paths(kRailsDbPath),
        Rule("rails-secret-key-base", "Rails secret_key_base", kHigh,
             R"re(secret_key_base\s*[:=]\s*["']?([0-9a-f]{64,}))re")
            .icase(),
        Rule("netrc-password", "Password in .netrc", kHigh, R"re(\bpassword\s+(\S{3,}))re")
            .paths(R"re((?:^|/)[._]netrc$)re"),
        Rule("pgpass-password", "Password in .pgpass", kHigh,
             R"re(^[^:#\s][^:]{0,255}:[^:]{1,16}:[^:]{1,255}:[^:]{1,255}:(\S{3,}))re")
            .paths(R"re((?:^|/)\.pgpass$)re"),
        Rule("htpasswd-hash", "Password hash in an htpasswd file", kMedium,
             R"re(^[^:\s#]{1,64}:(\$(?:apr1|2[aby]|5|6)\$[./A-Za-z0-9$]{8,}|\{SHA\}[A-Za-z0-9+/=]{20,}))re")
            .paths(R"re((?:^|/)\.?htpasswd$)re"),
        Rule("s3cfg-secret-key", "Secret key in .s3cfg", kHigh, R"re(^\s*secret_key\s*=\s*(\S{16,}))re")
            .paths(R"re((?:^|/)\.s3cfg$)re"),

        // ---- Shell history (and build history) ----------------------------------------------
        Rule("history-mysql-password", "Database password on a command line in shell history", kHigh,
             R"re(\b(?:mysql|mysqladmin|mysqldump|mariadb)\b[^\n]{0,200}?\s-p([^\s-][^\s]{2,}))re")
            .paths(kHistoryPath),
        Rule("history-sshpass", "Password given to sshpass in shell history", kHigh,
             R"re(\bsshpass\s+-p\s*["']?([^\s"']{3,}))re")
            .paths(kHistoryPath),
        Rule("history-password-option", "Password option on a command line in shell history", kHigh,
             R"re(\s--?(?:password|passwd|pass|token|secret)[= ]["']?([^\s"'-][^\s"']{2,}))re")
            .icase()
            .paths(kHistoryPath),
        Rule("history-curl-credentials", "Credentials given to curl/wget in shell history", kHigh,
             R"re(\b(?:curl|wget)\b[^\n]{0,300}?\s(?:-u|--user|--http-user)[= ]["']?[^\s:"']{1,64}:([^\s"']{3,}))re")
            .paths(kHistoryPath),
        Rule("history-export-secret", "Secret exported in shell history", kHigh,
             R"re(\bexport\s+[A-Za-z0-9_]*(?:PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY)[A-Za-z0-9_]*=["']?([^\s"'$]{3,}))re")
            .icase()
            .paths(kHistoryPath),
        Rule("history-chpasswd", "Password piped to passwd/chpasswd in shell history", kHigh,
             R"re(\becho\s+["']?[^\s:"']{1,64}:([^\s"']{3,})["']?\s*\|\s*(?:sudo\s+)?chpasswd)re")
            .paths(kHistoryPath),

        // ---- Generic rules: a secret-sounding key and a random-looking value ----------------
        Rule("generic-api-key", "Generic API key or token", kMedium,
             R"re((?:api[_-]?key|apikey|secret[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|private[_-]?token)["']?\s*(?::|=|:=|=>)\s*["']([A-Za-z0-9_+/=.-]{20,128})["'])re")
            .icase()
            .entropy(3.7),
        Rule("generic-password", "Hard-coded password", kMedium,
             R"re((?:password|passwd|passphrase)["']?\s*(?::|=|:=|=>)\s*["']([^"'\s]{8,64})["'])re")
            .icase()
            .entropy(3.0),
    };
    return rules;
}

std::vector<SecretAllowRule> make_allow_rules() {
    return {
        {"aws-example-keys", "AWS's published example key pair and keys ending in EXAMPLE", "",
         R"re(^(?:AKIAIOSFODNN7EXAMPLE|AKIAI44QH8DHBEXAMPLE|wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY|je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY)$|EXAMPLE(?:KEY)?$)re"},
        {"rfc-examples", "Tokens printed in RFC 6749 and common library documentation", "",
         R"re(^(?:2YotnFZFEjr1zCsicMWpAA|tGzv3JOkF0XG5Qx2TlKWIA|SplxlOBeZQQYbYS6WxSbIA)$|^eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ\.)re"},
        {"placeholder-words", "Words that stand in for a secret", "",
         R"re(^["'`]?(?:change[_-]?me|change[_-]?it|changethis|password|passwd|secret|pass|example|sample|dummy|placeholder|redacted|hidden|none|null|nil|true|false|empty|undefined|todo|fixme|xxx+|\*+|\.+|-+|_+|0+|1234|12345|123456|12345678|123456789|qwerty|put your unique phrase here)["'`]?$)re"},
        {"password-words", "Values that name a password rather than hold one (\"challengePassword\")", "",
         R"re(passw(?:or)?d)re"},
        {"your-placeholder", "\"your_api_key\", \"<your-token>\", \"insert-key-here\"", "",
         R"re((?:^|[^a-z])(?:your|insert|enter|replace|put)[_ .-]?[a-z_ .-]*(?:key|token|secret|password|passwd|here|pass|id)|_here$|-here$)re"},
        {"template-variables", "Variables and templates that a real value replaces at run time", "",
         R"re(\$\{|\$\(|\{\{|\}\}|%\(|<%|%>|^\$[A-Za-z_]|^<[^>]*>?$|^%[A-Za-z_]+%$|^@[A-Za-z_]+@$|^\[[A-Za-z_ -]+\]$|^\{[A-Za-z_]+\}$|process\.env|os\.environ|getenv)re"},
        {"masked-values", "Masked or repeated characters", "",
         R"re(x{6,}|X{6,}|\*{4,}|#{4,}|\.{4,}|0{12,}|^(.)\1+$)re"},
        // Whole trees that hold documentation, test data or system files rather than secrets.
        {"system-and-doc-dirs", "Documentation, headers and libraries of the distribution", R"re(^usr/(?:share|include|lib|lib32|lib64|libexec)/|^lib(?:32|64)?/|^(?:proc|sys|dev)/|^var/lib/(?:dpkg|apt|rpm|yum|dnf|apk)/|^var/cache/(?:apt|debconf|yum|dnf|apk)/|^etc/ssl/certs/)re",
         ""},
        {"dependency-test-data", "Tests, examples and fixtures inside dependency trees", R"re((?:^|/)(?:node_modules|site-packages|dist-packages|vendor|bower_components|\.cargo/registry|go/pkg/mod)/(?:.*/)?(?:tests?|__tests__|spec|specs|examples?|fixtures?|testdata|test-data|docs?)/)re",
         ""},
        {"documentation-files", "Documentation files",
         R"re(\.(?:md|markdown|rst|adoc|html?\.gz|[1-9]\.gz)$|(?:^|/)man/man[0-9][a-z]*/|(?:^|/)share/(?:doc|man|info|locale|gtk-doc)/|\.(?:dist|egg)-info/(?:METADATA|PKG-INFO)$|(?:^|/)PKG-INFO$)re",
         ""},
        {"language-test-suites", "The test suites language runtimes ship", R"re((?:^|/)lib/python[0-9.]*/(?:test|idlelib/idle_test|lib2to3/tests|unittest/test|tkinter/test)/)re",
         ""},
        {"binary-formats", "Formats that are binary or compressed", R"re(\.(?:png|jpe?g|gif|ico|bmp|webp|tiff?|woff2?|ttf|otf|eot|mp[34]|wav|ogg|flac|avi|mov|zip|gz|tgz|bz2|xz|zst|lz4|7z|rar|jar|war|ear|whl|egg|so(?:\.[0-9.]+)?|a|o|pyc|pyo|class|mo|gmo|sqlite3?|pdf)$)re",
         ""},
    };
}

}  // namespace

const std::vector<SecretRule>& builtin_secret_rules() {
    static const std::vector<SecretRule> rules = make_rules();
    return rules;
}

const std::vector<SecretAllowRule>& builtin_secret_allow_rules() {
    static const std::vector<SecretAllowRule> rules = make_allow_rules();
    return rules;
}

}  // namespace moat
