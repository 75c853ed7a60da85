// Runs the containerd/platforms Go test tables (platforms_test.go,
// compare_test.go, exported as JSON) against hoist's port. Every row of every
// table runs; each test checks at the end that it saw the table's full count.
#include "oci/platform.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/error.h"
#include "tests/test_support.h"

namespace {

using hoist::oci::Platform;
using hoist::oci::PlatformMatcher;
using nlohmann::json;

// `maxFeatures := 16` in both Go benchmarks; the JSON keeps only the name.
constexpr long kMaxFeatures = 16;

const json& go_file(const std::string& file) {
  static std::map<std::string, json> cache;
  auto it = cache.find(file);
  if (it == cache.end()) {
    json doc =
        hoist::test::load_json(hoist::test::conformance_path("containerd-platforms/" + file + ".json"));
    it = cache.emplace(file, std::move(doc.at(file + ".go"))).first;
  }
  return it->second;
}

// The table(s) of one Go test function; `pick` tells apart functions with two.
const json& go_table(const std::string& file, const std::string& func,
                     const std::function<bool(const json&)>& pick = nullptr) {
  for (const json& t : go_file(file))
    if (t.at("func") == func && (!pick || pick(t))) {
      if (t.at("cases").size() != t.at("count").get<size_t>())
        throw std::runtime_error(func + ": JSON holds fewer cases than the Go table");
      return t;
    }
  throw std::runtime_error(func + " not found in " + file + ".json");
}

// Evaluates the few Go expressions the benchmark tables use: string literals,
// `+`, strings.Repeat, integer arithmetic and maxFeatures. Anything else throws,
// so a changed table fails loudly instead of being half-read.
class GoExpr {
 public:
  explicit GoExpr(std::string_view text) : s_(text) {}

  std::string string_value() {
    std::string out = string_term();
    while (eat("+")) out += string_term();
    done();
    return out;
  }
  long int_value() {
    long v = int_sum();
    done();
    return v;
  }

 private:
  void skip_ws() {
    while (!s_.empty() && s_.front() == ' ') s_.remove_prefix(1);
  }
  bool eat(std::string_view tok) {
    skip_ws();
    if (!s_.starts_with(tok)) return false;
    s_.remove_prefix(tok.size());
    return true;
  }
  [[noreturn]] void fail() { throw std::runtime_error("unsupported Go expression at: " + std::string(s_)); }
  void done() {
    skip_ws();
    if (!s_.empty()) fail();
  }
  std::string literal() {
    if (!eat("\"")) fail();
    auto end = s_.find('"');
    if (end == std::string_view::npos || s_.substr(0, end).find('\\') != std::string_view::npos) fail();
    std::string out(s_.substr(0, end));
    s_.remove_prefix(end + 1);
    return out;
  }
  std::string string_term() {
    if (!eat("strings.Repeat(")) return literal();
    std::string unit = literal();
    if (!eat(",")) fail();
    long n = int_sum();
    if (!eat(")")) fail();
    std::string out;
    for (long i = 0; i < n; ++i) out += unit;
    return out;
  }
  long int_atom() {
    if (eat("maxFeatures")) return kMaxFeatures;
    skip_ws();
    size_t len = 0;
    while (len < s_.size() && s_[len] >= '0' && s_[len] <= '9') ++len;
    if (len == 0) fail();
    long v = std::stol(std::string(s_.substr(0, len)));
    s_.remove_prefix(len);
    return v;
  }
  long int_product() {
    long v = int_atom();
    while (eat("*")) v *= int_atom();
    return v;
  }
  long int_sum() {
    long v = int_product();
    while (eat("+")) v += int_product();
    return v;
  }

  std::string_view s_;
};

// Values of TestParseSelector's identifiers on this host, as the Go test computes them.
std::string go_ident(const std::string& name) {
  const Platform host = hoist::oci::host_platform();
  if (name == "defaultOS") return host.os;              // runtime.GOOS
  if (name == "defaultArch") return host.architecture;  // runtime.GOARCH
  if (name == "defaultVariant") return host.architecture == "arm" && host.variant != "v7" ? host.variant : "";
  throw std::runtime_error("unknown Go identifier " + name);
}

std::string go_string(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.contains("$ident")) return go_ident(v.at("$ident").get<std::string>());
  if (v.contains("$expr")) return GoExpr(v.at("$expr").get<std::string>()).string_value();
  if (v.value("$call", "") == "path.Join") {
    // path.Join drops empty elements; path.Clean changes nothing in these arguments.
    std::string out;
    for (const json& a : v.at("args")) {
      std::string s = go_string(a);
      if (s.empty()) continue;
      out += (out.empty() ? "" : "/") + s;
    }
    return out;
  }
  throw std::runtime_error("unsupported Go value " + v.dump());
}

// OSFeatures written as a Go closure: the two benchmark generators, recognised
// by their doc and by the code itself so an edited closure is not mistaken.
std::vector<std::string> go_feature_closure(const std::string& doc, const std::string& code) {
  std::vector<std::string> out;
  if (doc == "valid but lengthy features" && code.find("for range maxFeatures") != std::string::npos &&
      code.find("append(out, \"feature\")") != std::string::npos) {
    out.assign(kMaxFeatures, "feature");
    return out;
  }
  if (doc == "many kernel config features with empties" && code.find("n := 1024") != std::string::npos &&
      code.find("i%10 == 0") != std::string::npos &&
      code.find("\"CONFIG_FOO_\" + strconv.Itoa(i)") != std::string::npos) {
    for (int i = 0; i < 1024; ++i) out.push_back(i % 10 == 0 ? "" : "CONFIG_FOO_" + std::to_string(i));
    return out;
  }
  throw std::runtime_error("unrecognised OSFeatures generator for \"" + doc + "\": " + code);
}

Platform go_platform(const json& v, const std::string& doc = "") {
  Platform p;
  for (const auto& [key, value] : v.items()) {
    if (key == "OS")
      p.os = go_string(value);
    else if (key == "Architecture")
      p.architecture = go_string(value);
    else if (key == "Variant")
      p.variant = go_string(value);
    else if (key == "OSVersion")
      p.os_version = go_string(value);
    else if (key == "OSFeatures") {
      if (value.is_array()) {
        for (const json& f : value) p.os_features.push_back(go_string(f));
      } else if (value.value("$call", "") == "make") {
        // make([]string, n): n empty strings.
        const json& args = value.at("args");
        if (args.size() != 2 || args[0].value("$expr", "") != "[]string")
          throw std::runtime_error(value.dump());
        p.os_features.assign(GoExpr(args[1].at("$expr").get<std::string>()).int_value(), "");
      } else {
        p.os_features = go_feature_closure(doc, value.at("$call").get<std::string>());
      }
    } else {
      throw std::runtime_error("unhandled Platform field " + key);
    }
  }
  return p;
}

// Order-sensitive rendering for failure messages (format_all sorts features).
std::string describe(const Platform& p) {
  std::string out = "{os=" + p.os + " arch=" + p.architecture + " variant=" + p.variant +
                    " os.version=" + p.os_version + " os.features=[";
  for (size_t i = 0; i < p.os_features.size(); ++i) out += (i ? "," : "") + p.os_features[i];
  return out + "]}";
}

std::vector<std::string> strings(const json& v) { return v.get<std::vector<std::string>>(); }

// Go's sort.Slice sorts fewer than 13 elements by insertion sort. less() is not
// a strict weak order (os.features only count when matches tie), so the exact
// algorithm decides the result and std::sort/std::stable_sort may differ.
std::vector<std::string> go_sort_formatted(const std::vector<std::string>& specs, const PlatformMatcher& m) {
  std::vector<Platform> ps;
  for (const auto& s : specs) ps.push_back(hoist::oci::parse_platform(s));
  if (ps.size() > 12) throw std::runtime_error("go_sort_formatted mirrors insertion sort only");
  for (size_t i = 1; i < ps.size(); ++i)
    for (size_t j = i; j > 0 && m.less(ps[j], ps[j - 1]); --j) std::swap(ps[j], ps[j - 1]);
  std::vector<std::string> out;
  for (const auto& p : ps) out.push_back(hoist::oci::format_all(p));
  return out;
}

// Parse errors are one line that quotes the specifier (shortened when huge).
void expect_rejected(const std::string& input, const std::string& name) {
  try {
    Platform p = hoist::oci::parse_platform(input);
    ADD_FAILURE() << name << ": accepted invalid specifier, got " << describe(p);
  } catch (const hoist::Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << name << ": " << msg;
    EXPECT_LT(msg.size(), 500u) << name;
    EXPECT_EQ(msg.rfind("invalid platform \"" + input.substr(0, 40), 0), 0u) << name << ": " << msg;
  }
}

// TestOnly / TestOnlyStrict / TestOnlyOS: {platform, matches: {"true": [...], "false": [...]}}.
void run_match_table(const std::string& func, PlatformMatcher (*factory)(const Platform&)) {
  const json& table = go_table("compare_test", func);
  size_t ran = 0;
  for (const json& c : table.at("cases")) {
    const std::string spec = c.at("platform");
    const PlatformMatcher m = factory(hoist::oci::parse_platform(spec));
    for (const auto& [expected, specs] : c.at("matches").items()) {
      ASSERT_TRUE(expected == "true" || expected == "false") << func << " " << spec;
      for (const std::string& other : strings(specs))
        EXPECT_EQ(m.match(hoist::oci::parse_platform(other)), expected == "true")
            << func << "[" << spec << "].match(" << other << ")";
    }
    ++ran;
  }
  EXPECT_EQ(ran, table.at("count").get<size_t>()) << func;
}

TEST(PlatformConformance, ParseSelector) {
  const json& table = go_table("platforms_test", "TestParseSelector");
  size_t ran = 0;
  for (const json& c : table.at("cases")) {
    ++ran;
    const std::string input = c.at("input");
    const std::string name = "TestParseSelector[" + input + "]";
    if (c.value("skip", false)) {
      // The Go test skips these rows on every host, not only on other OSes:
      // `if testcase.skip { t.Skip("this case is not yet supported") }`. They
      // are the wildcard rows, and containerd's Parse rejects any '*'
      // ("wildcards not yet supported"); asserting that same rejection checks
      // the rows without pretending wildcards work.
      ASSERT_NE(input.find('*'), std::string::npos) << name << ": skip row that is not a wildcard";
      expect_rejected(input, name);
      continue;
    }
    Platform p;
    ASSERT_NO_THROW(p = hoist::oci::parse_platform(input)) << name;
    const Platform expected = go_platform(c.at("expected"));
    EXPECT_EQ(describe(p), describe(expected)) << name;

    // NewMatcher(p) is the single-platform ordered matcher, i.e. only_strict.
    const PlatformMatcher m = PlatformMatcher::only_strict(p);
    EXPECT_TRUE(m.match(expected)) << name << " should match " << describe(expected);
    if (c.contains("matches")) {
      for (const json& other : c.at("matches"))
        EXPECT_TRUE(m.match(go_platform(other))) << name << " should match " << describe(go_platform(other));
    }

    const bool v2 = c.at("useV2Format");
    const std::string formatted = v2 ? hoist::oci::format_all(p) : hoist::oci::format_platform(p);
    EXPECT_EQ(formatted, go_string(c.at("formatted"))) << name;

    Platform reparsed;
    ASSERT_NO_THROW(reparsed = hoist::oci::parse_platform(formatted)) << name << " reparsing " << formatted;
    EXPECT_EQ(v2 ? hoist::oci::format_all(reparsed) : hoist::oci::format_platform(reparsed), formatted)
        << name << ": format did not survive the round trip";
  }
  EXPECT_EQ(ran, table.at("count").get<size_t>());
}

TEST(PlatformConformance, FormatAllEncoding) {
  const json& table = go_table("platforms_test", "TestFormatAllEncoding");
  size_t ran = 0;
  for (const json& c : table.at("cases")) {
    ++ran;
    const Platform p = go_platform(c.at("platform"));
    const std::string expected = c.at("expected");
    const std::string name = "TestFormatAllEncoding[" + expected + "]";
    EXPECT_EQ(hoist::oci::format_all(p), expected) << name;
    Platform reparsed;
    ASSERT_NO_THROW(reparsed = hoist::oci::parse_platform(expected)) << name;
    EXPECT_EQ(reparsed.os_version, p.os_version) << name;
    EXPECT_EQ(reparsed.os_features, p.os_features) << name;
  }
  EXPECT_EQ(ran, table.at("count").get<size_t>());
}

TEST(PlatformConformance, ParseSelectorInvalid) {
  const json& table = go_table("platforms_test", "TestParseSelectorInvalid");
  size_t ran = 0;
  for (const json& c : table.at("cases")) {
    ++ran;
    const std::string input = c.at("input");
    expect_rejected(input, "TestParseSelectorInvalid[" + input + "]");
  }
  EXPECT_EQ(ran, table.at("count").get<size_t>());
}

// The Go benchmarks discard Parse's result; here each input must parse or be
// rejected exactly as containerd's grammar decides.
TEST(PlatformConformance, BenchmarkParseOSOptionsAsChecks) {
  const json& table = go_table("platforms_test", "BenchmarkParseOSOptions");
  // nullopt: rejected. "valid but lengthy features" is rejected although its doc
  // says valid: the input is "linux(+" + "+feature"..., i.e. it opens with
  // "++", an empty feature, which containerd's `(\+[A-Za-z0-9_.%-]+)*` does not
  // accept. The exploding chain is all empty features and the kernel blob
  // contains '=', which no component may hold.
  const std::map<std::string, std::optional<Platform>> outcome = {
      {"valid windows version and feature", Platform{"windows", "amd64", "", "10.0.17763", {"win32k"}}},
      {"valid but lengthy features", std::nullopt},
      {"exploding plus chain", std::nullopt},
      {"kernel config feature blob", std::nullopt},
  };
  size_t ran = 0;
  for (const json& c : table.at("cases")) {
    ++ran;
    const std::string doc = c.at("doc");
    const std::string name = "BenchmarkParseOSOptions[" + doc + "]";
    auto it = outcome.find(doc);
    ASSERT_NE(it, outcome.end()) << name << ": no expectation written for this row";
    const std::string input = go_string(c.at("input"));
    if (!it->second) {
      expect_rejected(input, name);
      continue;
    }
    Platform p;
    ASSERT_NO_THROW(p = hoist::oci::parse_platform(input)) << name;
    EXPECT_EQ(describe(p), describe(*it->second)) << name;
  }
  EXPECT_EQ(ran, table.at("count").get<size_t>());
}

TEST(PlatformConformance, BenchmarkFormatAllOSFeaturesAsChecks) {
  const json& table = go_table("platforms_test", "BenchmarkFormatAllOSFeatures");
  size_t ran = 0;
  for (const json& c : table.at("cases")) {
    ++ran;
    const std::string doc = c.at("doc");
    const std::string name = "BenchmarkFormatAllOSFeatures[" + doc + "]";
    const Platform p = go_platform(c.at("platform"), doc);
    // Expected: the sorted features without empty ones (upstream's
    // TestFormatAllSkipsEmptyOSFeatures), each "+"-prefixed inside "(...)".
    std::vector<std::string> kept;
    std::copy_if(p.os_features.begin(), p.os_features.end(), std::back_inserter(kept),
                 [](const std::string& f) { return !f.empty(); });
    std::sort(kept.begin(), kept.end());
    std::string options = p.os_version;
    for (const auto& f : kept) options += "+" + f;
    const std::string os = options.empty() ? p.os : p.os + "(" + options + ")";
    const std::string formatted = hoist::oci::format_all(p);
    EXPECT_EQ(formatted, os + "/" + p.architecture) << name;

    Platform reparsed;
    ASSERT_NO_THROW(reparsed = hoist::oci::parse_platform(formatted)) << name;
    EXPECT_EQ(reparsed.os_features, kept) << name;
    EXPECT_EQ(reparsed.os_version, p.os_version) << name;
  }
  EXPECT_EQ(ran, table.at("count").get<size_t>());
}

TEST(PlatformConformance, Only) { run_match_table("TestOnly", &PlatformMatcher::only); }

TEST(PlatformConformance, OnlyStrict) { run_match_table("TestOnlyStrict", &PlatformMatcher::only_strict); }

TEST(PlatformConformance, OnlyOS) { run_match_table("TestOnlyOS", &PlatformMatcher::only_os); }

TEST(PlatformConformance, OnlyOSLess) {
  const json& table = go_table("compare_test", "TestOnlyOSLess");
  size_t ran = 0;
  for (const json& c : table.at("cases")) {
    ++ran;
    const std::string spec = c.at("platform");
    const auto m = PlatformMatcher::only_os(hoist::oci::parse_platform(spec));
    EXPECT_EQ(go_sort_formatted(strings(c.at("platforms")), m), strings(c.at("expected")))
        << "TestOnlyOSLess[" << spec << "]";
  }
  EXPECT_EQ(ran, table.at("count").get<size_t>());
}

TEST(PlatformConformance, CompareOSFeatures) {
  auto is_kinds = [](const json& t) { return t.at("cases").at(0).contains("mc"); };
  const json& table =
      go_table("compare_test", "TestCompareOSFeatures", [&](const json& t) { return !is_kinds(t); });
  const json& kinds = go_table("compare_test", "TestCompareOSFeatures", is_kinds);
  const std::map<std::string, std::function<PlatformMatcher(const Platform&)>> factories = {
      {"Only", &PlatformMatcher::only},
      {"OnlyStrict", &PlatformMatcher::only_strict},
      {"Ordered", [](const Platform& p) { return PlatformMatcher::ordered({p}); }},
      {"Any", [](const Platform& p) { return PlatformMatcher::any({p}); }},
  };
  size_t ran = 0, kinds_ran = 0;
  for (const json& kind : kinds.at("cases")) {
    ++kinds_ran;
    const json& mc = kind.at("mc");
    ASSERT_EQ(mc.at("args"), json::parse(R"([{"$ident":"p"}])")) << kind.dump();
    auto factory = factories.find(mc.at("$call").get<std::string>());
    ASSERT_NE(factory, factories.end()) << "no hoist matcher for " << mc.dump();
    ran = 0;
    for (const json& c : table.at("cases")) {
      ++ran;
      const std::string spec = c.at("platform");
      const PlatformMatcher m = factory->second(hoist::oci::parse_platform(spec));
      EXPECT_EQ(go_sort_formatted(strings(c.at("platforms")), m), strings(c.at("expected")))
          << "TestCompareOSFeatures[" << spec << "/" << kind.at("name").get<std::string>() << "]";
    }
    EXPECT_EQ(ran, table.at("count").get<size_t>());
  }
  EXPECT_EQ(kinds_ran, kinds.at("count").get<size_t>());
}

// Behaviour the tables leave implicit but index selection relies on.
TEST(Platform, OnlyPrefersTheRequestThenItsFallbacksInOrder) {
  const auto m = PlatformMatcher::only(hoist::oci::parse_platform("linux/arm64/v9.1"));
  EXPECT_EQ(go_sort_formatted({"linux/arm/v7", "linux/arm64/v8.6", "linux/arm64", "linux/arm64/v9.1",
                               "linux/arm64/v9", "linux/amd64"},
                              m),
            (std::vector<std::string>{"linux/arm64/v9.1", "linux/arm64/v9", "linux/arm64/v8.6", "linux/arm64",
                                      "linux/arm/v7", "linux/amd64"}));
}

TEST(Platform, NormalizeCanonicalisesAliasesAndFeatures) {
  Platform p = hoist::oci::normalize({"MacOS", "AArch64", "V8", "", {"b", "a", "b"}});
  EXPECT_EQ(describe(p), describe(Platform{"darwin", "arm64", "", "", {"a", "b"}}));
  EXPECT_EQ(describe(hoist::oci::normalize({"linux", "armhf", "", "", {}})),
            describe(Platform{"linux", "arm", "v7", "", {}}));
  EXPECT_EQ(describe(hoist::oci::normalize({"linux", "arm64", "9.0", "", {}})),
            describe(Platform{"linux", "arm64", "v9", "", {}}));
}

TEST(Platform, HostPlatformIsNormalisedAndMatchesItself) {
  const Platform host = hoist::oci::host_platform();
  EXPECT_EQ(describe(hoist::oci::normalize(host)), describe(host));
  EXPECT_FALSE(host.os.empty());
  EXPECT_FALSE(host.architecture.empty());
  EXPECT_TRUE(PlatformMatcher::only(host).match(host));
}

TEST(Platform, FormatOfEmptyOSIsUnknown) {
  EXPECT_EQ(hoist::oci::format_platform({}), "unknown");
  EXPECT_EQ(hoist::oci::format_all({}), "unknown");
}

TEST(Platform, MalformedPercentEscapesAreRejected) {
  for (std::string bad : {"windows(50%zz)/amd64", "windows(50%2)/amd64", "linux(+gpu%)/amd64"})
    expect_rejected(bad, bad);
}

TEST(Platform, WindowsVersionsMatchByBuild) {
  const auto ltsc2019 = PlatformMatcher::only(hoist::oci::parse_platform("windows(10.0.17763.5000)/amd64"));
  EXPECT_TRUE(ltsc2019.match(hoist::oci::parse_platform("windows(10.0.17763.1)/amd64")));
  EXPECT_FALSE(ltsc2019.match(hoist::oci::parse_platform("windows(10.0.20348)/amd64")));
  // From Windows Server 2022 on, newer hosts also run the 2022 LTSC images.
  const auto newer = PlatformMatcher::only(hoist::oci::parse_platform("windows(10.0.26100)/amd64"));
  EXPECT_TRUE(newer.match(hoist::oci::parse_platform("windows(10.0.20348)/amd64")));
  EXPECT_FALSE(newer.match(hoist::oci::parse_platform("windows(10.0.17763)/amd64")));
}

// Where hoist deliberately parts from containerd, and why.
TEST(Platform, DeliberateDifferencesFromContainerd) {
  using hoist::oci::parse_platform;
  // containerd's Format runs path.Join, which path.Cleans "linux/.." into ".";
  // hoist keeps the components so the string still names what was there.
  EXPECT_EQ(hoist::oci::format_platform({"linux", "..", "", "", {}}), "linux/..");
  // containerd lists every level below a numbered variant; past 1000 hoist adds
  // no numbered fallbacks instead of building a vector of that many platforms.
  const auto huge = PlatformMatcher::only(parse_platform("linux/amd64/v5000"));
  EXPECT_TRUE(huge.match(parse_platform("linux/amd64/v5000")));
  EXPECT_TRUE(huge.match(parse_platform("linux/386")));
  EXPECT_FALSE(huge.match(parse_platform("linux/amd64/v4999")));
  // containerd enables Windows build matching only when the requested OS is
  // spelled exactly "windows"; hoist decides on the normalised OS, so
  // "Windows" from a hand-written index is held to the same build rules.
  const auto windows = PlatformMatcher::only_strict({"Windows", "amd64", "", "10.0.17763", {}});
  EXPECT_FALSE(windows.match(parse_platform("windows(10.0.20348)/amd64")));
#if defined(__x86_64__)
  // Newer containerd gives amd64 hosts a v2/v3/v4 variant from CPUID. hoist's
  // host platform is also the default build target, and images labelled
  // amd64/v3 are passed over by clients on lower levels, so it stays plain.
  EXPECT_EQ(hoist::oci::host_platform().variant, "");
#endif
}

}  // namespace
