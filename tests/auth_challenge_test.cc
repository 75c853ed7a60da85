// WWW-Authenticate parsing against the upstream parsers' own tests, exported as JSON:
//   auth-challenge/challenge_cases.json   header lines -> expected {scheme, params} list, one
//                                         entry per upstream test function
//   auth-challenge/challenge_tables.json  the Go table-driven tests, per upstream file
// Every case runs; the guard test fails when the JSON grows a table no test here reads.
//
// Where the upstreams disagree the case data decides, and hoist follows it:
//   empty="" (containerd TestParseAuthHeader): kept as an empty value, like containerd;
//   distribution and GGCR stop parsing the line at an empty value and lose the params after it.
// Beyond the upstreams (no conformance case covers it; see DeliberateDifferences below):
//   several challenges comma-joined in one line and token68 are read per RFC 7235.
#include "publish/auth_challenge.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "tests/test_support.h"

namespace {

using hoist::publish::BearerParams;
using hoist::publish::Challenge;
using hoist::publish::bearer_params;
using hoist::publish::find_challenge;
using hoist::publish::parse_challenges;
using nlohmann::json;

const json& cases_json() {
  static const json doc =
      hoist::test::load_json(hoist::test::conformance_path("auth-challenge/challenge_cases.json"));
  return doc;
}

const json& tables_json() {
  static const json doc =
      hoist::test::load_json(hoist::test::conformance_path("auth-challenge/challenge_tables.json"));
  return doc;
}

// `bearer{realm="x", scope="a,b"}; basic{}` so a failure shows the whole result.
std::string describe(const std::vector<Challenge>& challenges) {
  std::string out;
  for (const Challenge& c : challenges) {
    if (!out.empty()) out += "; ";
    out += c.scheme + "{";
    bool first = true;
    for (const auto& [k, v] : c.params) {
      out += (first ? "" : ", ") + k + "=\"" + v + "\"";
      first = false;
    }
    out += "}";
  }
  return out.empty() ? "(no challenges)" : out;
}

std::string describe_headers(const std::vector<std::string>& headers) {
  std::string out;
  for (const std::string& h : headers) out += "\n  WWW-Authenticate: " + h;
  return out;
}

bool same(const std::vector<Challenge>& a, const std::vector<Challenge>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].scheme != b[i].scheme || a[i].params != b[i].params) return false;
  return true;
}

void expect_parse(const std::string& name, const std::vector<std::string>& headers,
                  const std::vector<Challenge>& want) {
  std::vector<Challenge> got = parse_challenges(headers);
  EXPECT_TRUE(same(got, want)) << name << describe_headers(headers) << "\n  want: " << describe(want)
                               << "\n  got:  " << describe(got);
}

// ---- Go tables -------------------------------------------------------------------------

// containerd parse_test.go TestParseAuthHeaderBearer: the header comes from
// `Bearer realm="%s",service="%s",scope="%s"` and must give back exactly those three params.
size_t run_ctr_parse_auth_header_bearer(const json& table) {
  size_t ran = 0;
  for (const json& tc : table.at("cases")) {
    const std::string name = "ctr_parse_test.go TestParseAuthHeaderBearer/" + tc.at("name").get<std::string>();
    const std::string realm = tc.at("realm"), service = tc.at("service"), scope = tc.at("scope");
    expect_parse(name, {"Bearer realm=\"" + realm + "\",service=\"" + service + "\",scope=\"" + scope + "\""},
                 {Challenge{"bearer", {{"realm", realm}, {"service", service}, {"scope", scope}}}});
    ++ran;
  }
  return ran;
}

using TableRunner = std::function<size_t(const json&)>;

// (file key, Go func) -> runner. A table missing here fails EveryTableHasARunner.
const std::map<std::pair<std::string, std::string>, TableRunner>& table_runners() {
  static const std::map<std::pair<std::string, std::string>, TableRunner> runners = {
      {{"ctr_parse_test.go", "TestParseAuthHeaderBearer"}, run_ctr_parse_auth_header_bearer},
  };
  return runners;
}

// Files whose parser tests are plain (non-table) functions: their cases live in
// challenge_cases.json (TestAuthChallengeParse, TestFilteringManager; GGCR's
// TestAuthChallengeParse is the same header and expectation as distribution's), and the rest
// of those files tests URL-keyed challenge managers, not parsing.
const std::set<std::string>& known_table_files() {
  static const std::set<std::string> files = {"dist_authchallenge_test.go", "ctr_parse_test.go",
                                              "ggcr_authchallenge_test.go"};
  return files;
}

const json& table_for(const std::string& file, const std::string& func) {
  for (const json& t : tables_json().at(file))
    if (t.at("func") == func) return t;
  throw std::runtime_error(func + " not found under " + file + " in challenge_tables.json");
}

void run_table(const std::string& file, const std::string& func) {
  const json& table = table_for(file, func);
  const size_t count = table.at("count").get<size_t>();
  ASSERT_EQ(table.at("cases").size(), count) << file << " " << func << ": JSON holds fewer cases than the Go table";
  EXPECT_EQ(table_runners().at({file, func})(table), count) << file << " " << func;
}

TEST(AuthChallengeConformance, EveryTableHasARunner) {
  size_t tables = 0;
  for (const auto& [file, list] : tables_json().items()) {
    EXPECT_TRUE(known_table_files().count(file)) << "challenge_tables.json has an unknown file: " << file;
    for (const json& t : list) {
      const std::string func = t.at("func");
      EXPECT_TRUE(table_runners().count({file, func}))
          << "challenge_tables.json: no test runs " << file << " " << func << " (var " << t.value("var", "")
          << ", line " << t.value("line", 0) << ")";
      ++tables;
    }
  }
  EXPECT_EQ(tables, table_runners().size()) << "tables in challenge_tables.json vs. runners here";
  for (const auto& [key, runner] : table_runners())
    EXPECT_NO_THROW(table_for(key.first, key.second)) << key.first << " " << key.second;
}

TEST(AuthChallengeConformance, CtrTestParseAuthHeaderBearer) {
  run_table("ctr_parse_test.go", "TestParseAuthHeaderBearer");
}

// ---- Case list -------------------------------------------------------------------------

TEST(AuthChallengeConformance, Cases) {
  const json& cases = cases_json();
  ASSERT_TRUE(cases.is_array());
  ASSERT_FALSE(cases.empty());
  size_t ran = 0;
  for (const json& tc : cases) {
    const std::string name = tc.at("source");
    std::vector<std::string> headers = tc.at("header").get<std::vector<std::string>>();
    ASSERT_FALSE(headers.empty()) << name << ": case without a header line";
    std::vector<Challenge> want;
    for (const json& e : tc.at("expected"))
      want.push_back(Challenge{e.at("scheme"), e.at("params").get<std::map<std::string, std::string>>()});
    expect_parse(name, headers, want);
    ++ran;
  }
  EXPECT_EQ(ran, cases.size());
}

// ---- Focused tests ---------------------------------------------------------------------

TEST(AuthChallenge, SchemeAndKeysLowerCasedValuesKept) {
  expect_parse("mixed case", {"BeArEr ReAlM=\"https://Auth.Example.com/Token\",SERVICE=Reg"},
               {Challenge{"bearer", {{"realm", "https://Auth.Example.com/Token"}, {"service", "Reg"}}}});
}

TEST(AuthChallenge, CommasInsideQuotedScopeStayInTheValue) {
  expect_parse("scope with commas",
               {"Bearer realm=\"https://r/t\",scope=\"repository:a/b:pull,push,delete\",service=\"s\""},
               {Challenge{"bearer",
                          {{"realm", "https://r/t"}, {"scope", "repository:a/b:pull,push,delete"}, {"service", "s"}}}});
}

TEST(AuthChallenge, WhitespaceAndEmptyListElementsAreTolerated) {
  expect_parse("spaces, tabs, BWS around =, repeated commas",
               {"  Bearer \t realm = \"r\" ,\tservice=\"s\"  ,, , scope=\"a b\"  "},
               {Challenge{"bearer", {{"realm", "r"}, {"service", "s"}, {"scope", "a b"}}}});
  expect_parse("scheme only", {"Basic"}, {Challenge{"basic", {}}});
  expect_parse("empty unquoted value kept like containerd", {"Bearer realm=\"r\",empty=,service=s"},
               {Challenge{"bearer", {{"realm", "r"}, {"empty", ""}, {"service", "s"}}}});
  expect_parse("later duplicate wins like the upstream maps", {"Bearer realm=a,REALM=b"},
               {Challenge{"bearer", {{"realm", "b"}}}});
}

TEST(AuthChallenge, QuotedStringEscapes) {
  expect_parse("escaped quote, backslash and plain char", {R"(Bearer a="x\"y", b="c\\d", c="\e")"},
               {Challenge{"bearer", {{"a", "x\"y"}, {"b", "c\\d"}, {"c", "e"}}}});
  expect_parse("non-ASCII bytes pass through", {"Bearer realm=\"caf\xc3\xa9\""},
               {Challenge{"bearer", {{"realm", "caf\xc3\xa9"}}}});
}

// Where hoist reads more than distribution/containerd/GGCR: those stop at the first thing
// that is not `key=value` and would return only the first challenge below (with realm, type
// and title). RFC 7235 allows both forms, and a registry behind a proxy can send them.
TEST(AuthChallenge, DeliberateDifferences) {
  expect_parse("RFC 7235 §4.1 example: two challenges in one line",
               {R"(Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple")"},
               {Challenge{"newauth", {{"realm", "apps"}, {"type", "1"}, {"title", "Login to \"apps\""}}},
                Challenge{"basic", {{"realm", "simple"}}}});
  expect_parse("Bearer and Basic comma-joined", {R"(Bearer realm="https://r/t",service="s", Basic realm="b")"},
               {Challenge{"bearer", {{"realm", "https://r/t"}, {"service", "s"}}}, Challenge{"basic", {{"realm", "b"}}}});
  expect_parse("token68 then another challenge", {"Negotiate YIIBhgYGKwYBBQUCoIIBejCC+/x==, Basic realm=\"x\""},
               {Challenge{"negotiate", {}}, Challenge{"basic", {{"realm", "x"}}}});
  expect_parse("token68 with one trailing =", {"Negotiate a/b+c="}, {Challenge{"negotiate", {}}});
  expect_parse("params after a token68 belong to no challenge", {"Negotiate abc, realm=\"x\""},
               {Challenge{"negotiate", {}}});
  expect_parse("one empty quoted value does not end the line (containerd; distribution/GGCR stop)",
               {R"(Bearer empty="", realm="r")"}, {Challenge{"bearer", {{"empty", ""}, {"realm", "r"}}}});
}

TEST(AuthChallenge, MalformedHeadersKeepWhatCameBeforeTheError) {
  struct Case {
    const char* name;
    std::string header;
    std::vector<Challenge> want;
  };
  const std::vector<Case> cases = {
      {"empty header", "", {}},
      {"only commas and spaces", " , ,, ", {}},
      {"params without a scheme", "realm=\"x\"", {}},
      {"param with spaces around = but no scheme", "realm = \"x\"", {}},
      {"token68 without a scheme", "abc==", {}},
      {"scheme followed by junk", "Bearer;realm=x", {{"bearer", {}}}},
      {"starts with =", "=x", {}},
      {"lone quote", "\"", {}},
      {"scheme glued to a quote", "Bearer\"x\"", {{"bearer", {}}}},
      {"unterminated quote drops the value", "Bearer service=s,realm=\"https://r", {{"bearer", {{"service", "s"}}}}},
      {"backslash at the end", "Bearer realm=\"a\\", {{"bearer", {}}}},
      {"missing comma between params", "Bearer realm=\"r\" service=\"s\"", {{"bearer", {{"realm", "r"}}}}},
      {"token value cut at a non-token char", "Bearer service=s,realm=https://r",
       {{"bearer", {{"service", "s"}, {"realm", "https"}}}}},
      {"key without =", "Bearer realm", {{"bearer", {}}}},
      {"two schemes without a comma", "Basic Bearer realm=x", {{"basic", {}}}},
      {"NUL byte", std::string("Bearer realm=\"a\0b\",x=\0", 22),
       {{"bearer", {{"realm", std::string("a\0b", 3)}, {"x", ""}}}}},
      {"control and high bytes", "Bearer \x01\xff", {{"bearer", {}}}},
      {"DEL only", "\x7f", {}},
  };
  for (const Case& c : cases) expect_parse(c.name, {c.header}, c.want);
  expect_parse("a broken line then a good one", {"Bearer realm=\"x", "Basic realm=\"y\""},
               {Challenge{"bearer", {}}, Challenge{"basic", {{"realm", "y"}}}});
}

// Random headers over the characters the grammar cares about: nothing may crash (ASan/UBSan
// run this too), and whatever comes out must still look like scheme + lower-cased tokens.
TEST(AuthChallenge, RandomHeadersNeverCrash) {
  static constexpr char kAlphabet[] = "Bb=,\"\\ \t\r\n/+~.-_aZ09\0\x7f\xff()";
  const std::string alphabet(kAlphabet, sizeof kAlphabet - 1);  // keeps the NUL
  std::mt19937 rng(20240607);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<size_t> length(0, 48);
  for (int i = 0; i < 20000; ++i) {
    std::string h;
    for (size_t n = length(rng); n > 0; --n) h.push_back(alphabet[pick(rng)]);
    for (const Challenge& c : parse_challenges({h})) {
      ASSERT_FALSE(c.scheme.empty()) << "header: " << h;
      for (const auto& [k, v] : c.params) {
        ASSERT_FALSE(k.empty()) << "header: " << h;
        for (char ch : c.scheme + k) ASSERT_FALSE(ch >= 'A' && ch <= 'Z') << "header: " << h;
      }
    }
  }
}

// Each shape is a few MiB: a quadratic parser would not finish within ctest's
// timeout, a linear one takes milliseconds. The results are checked, not the time.
TEST(AuthChallenge, HugeHeadersStayLinear) {
  constexpr size_t kSize = 4u << 20;

  auto timed = [&](const std::string&, const std::string& header) { return parse_challenges({header}); };

  std::string escaped = "Bearer realm=\"";
  size_t reps = 0;
  for (; escaped.size() < kSize; ++reps) escaped += R"(\"\\x)";  // unescapes to `"\x`
  escaped += "\"";
  auto got = timed("escape-heavy quoted value", escaped);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].params.at("realm").size(), reps * 3);

  std::string many = "Bearer ";
  size_t params = 0;
  while (many.size() < kSize) many += "k" + std::to_string(params++) + "=\"v\",";
  got = timed("many params", many);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].params.size(), params);

  std::string challenges;
  size_t n = 0;
  while (challenges.size() < kSize) challenges += (n++ ? ", " : "") + std::string("Basic realm=\"r\"");
  got = timed("many challenges", challenges);
  EXPECT_EQ(got.size(), n);

  got = timed("only separators", "Bearer " + std::string(kSize, ',') + std::string(kSize, ' '));
  EXPECT_EQ(got.size(), 1u);
  got = timed("long token68", "Negotiate " + std::string(kSize, 'A') + "==");
  EXPECT_EQ(got.size(), 1u);
  got = timed("long unterminated quote", "Bearer realm=\"" + std::string(kSize, 'x'));
  EXPECT_EQ(got.size(), 1u);
}

TEST(AuthChallenge, FindChallengeIgnoresCase) {
  auto challenges = parse_challenges({"Negotiate", "Basic realm=\"b\"", "Bearer realm=\"r\"", "Bearer realm=\"r2\""});
  auto bearer = find_challenge(challenges, "BEARER");
  ASSERT_TRUE(bearer);
  EXPECT_EQ(bearer->params.at("realm"), "r") << "the first Bearer challenge wins";
  ASSERT_TRUE(find_challenge(challenges, "basic"));
  EXPECT_FALSE(find_challenge(challenges, "digest"));
  EXPECT_FALSE(find_challenge({}, "bearer"));
}

TEST(AuthChallenge, BearerParamsSplitsScopes) {
  auto challenges = parse_challenges({R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",)"
                                      R"(scope="repository:foo/bar:pull,push  repository:foo/baz:pull ",)"
                                      R"(error="insufficient_scope")"});
  ASSERT_EQ(challenges.size(), 1u);
  BearerParams p = bearer_params(challenges[0]);
  EXPECT_EQ(p.realm, "https://auth.docker.io/token");
  EXPECT_EQ(p.service, "registry.docker.io");
  EXPECT_EQ(p.scopes, (std::vector<std::string>{"repository:foo/bar:pull,push", "repository:foo/baz:pull"}));
  EXPECT_EQ(p.error, "insufficient_scope");

  p = bearer_params(Challenge{"bearer", {{"realm", "https://r/t"}}});
  EXPECT_EQ(p.service, "");
  EXPECT_TRUE(p.scopes.empty());
  EXPECT_EQ(p.error, "");
}

TEST(AuthChallenge, BearerParamsRejectsUnusableChallenges) {
  EXPECT_THROW(bearer_params(Challenge{"bearer", {{"service", "s"}}}), hoist::Error);
  EXPECT_THROW(bearer_params(Challenge{"bearer", {{"realm", ""}}}), hoist::Error);
  EXPECT_THROW(bearer_params(Challenge{"basic", {{"realm", "r"}}}), hoist::Error);
}

}  // namespace
