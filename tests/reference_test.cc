// Runs every table of distribution/reference's reference_test.go, normalize_test.go and
// regexp_test.go (extracted to JSON under conformance/distribution-reference) against
// publish/reference. Each JSON file maps the Go file name to its tables; a table is the
// `var` of one test `func`, and an absent field is Go's zero value ("", false, nil).
#include "publish/reference.h"

#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/error.h"
#include "publish/reference_grammar.h"
#include "tests/test_support.h"

namespace hoist::publish {
// Lets gtest print References in EXPECT_EQ failures.
void PrintTo(const Reference& r, std::ostream* os) {
  *os << "{domain=\"" << r.domain << "\" path=\"" << r.path << "\" tag=\"" << r.tag << "\" digest=\""
      << r.digest << "\"}";
}
}  // namespace hoist::publish

namespace {

using hoist::publish::Reference;
using nlohmann::json;
namespace grammar = hoist::publish::grammar;
namespace ref = hoist::publish;

// Every table in the data; EveryTableIsCovered fails when the data gains one that no test runs.
const std::set<std::tuple<std::string, std::string, std::string>> kCoveredTables = {
    {"reference_test.go", "TestReferenceParse", "tests"},
    {"reference_test.go", "TestWithNameFailure", "tests"},
    {"reference_test.go", "TestDomainAndPath", "tests"},
    {"reference_test.go", "TestSerialization", "tests"},
    {"reference_test.go", "TestSerialization", "m"},
    {"reference_test.go", "TestWithTag", "tests"},
    {"reference_test.go", "TestWithDigest", "tests"},
    {"reference_test.go", "TestParseNamed", "tests"},
    {"normalize_test.go", "TestValidateReferenceName", "validRepoNames"},
    {"normalize_test.go", "TestValidateReferenceName", "invalidRepoNames"},
    {"normalize_test.go", "TestValidateRemoteName", "validRepositoryNames"},
    {"normalize_test.go", "TestValidateRemoteName", "invalidRepositoryNames"},
    {"normalize_test.go", "TestParseRepositoryInfo", "tests"},
    {"normalize_test.go", "TestParseRepositoryInfo", "refStrings"},
    {"normalize_test.go", "TestParseAnyReference", "tests"},
    {"normalize_test.go", "TestNormalizedSplitHostname", "tests"},
    {"normalize_test.go", "TestMatch", "tests"},
    {"normalize_test.go", "TestParseDockerRef", "tests"},
    {"regexp_test.go", "TestDomainRegexp", "tests"},
    {"regexp_test.go", "TestFullNameRegexp", "tests"},
    {"regexp_test.go", "TestReferenceRegexp", "tests"},
    {"regexp_test.go", "TestIdentifierRegexp", "tests"},
};

const json& conformance_file(const std::string& go_file) {
  static std::map<std::string, json> cache;
  auto it = cache.find(go_file);
  if (it == cache.end()) {
    std::string path = "distribution-reference/" + go_file.substr(0, go_file.size() - 3) + ".json";
    it = cache.emplace(go_file, hoist::test::load_json(hoist::test::conformance_path(path))).first;
  }
  return it->second;
}

// The cases of one table; an empty result only if the table is missing, which fails the test.
json table(const std::string& go_file, const std::string& func, const std::string& var) {
  for (const json& t : conformance_file(go_file).at(go_file)) {
    if (t.at("func") != func || t.at("var") != var) continue;
    const json& cases = t.at("cases");
    EXPECT_EQ(cases.size(), t.at("count").get<size_t>()) << func << "." << var << ": truncated table";
    EXPECT_FALSE(cases.empty()) << func << "." << var;
    return cases;
  }
  ADD_FAILURE() << go_file << ": no table " << func << "." << var;
  return json::array();
}

std::string field(const json& c, const char* key) { return c.value(key, std::string()); }

// "TestReferenceParse[3] "input"": names a case in failure messages.
std::string label(const std::string& func, size_t i, const std::string& input) {
  return func + "[" + std::to_string(i) + "] \"" + input + "\"";
}

// The hoist message for each upstream error value named in the tables ("$ident").
// go-digest v1.0.0 aliases ErrDigestInvalidLength to ErrDigestInvalidFormat; hoist keeps the
// more precise "length" text for a sha256 digest of the wrong size.
std::string expected_message(const json& err, const std::string& input) {
  static const std::map<std::string, std::string> kMessages = {
      {"ErrReferenceInvalidFormat", "invalid reference format"},
      {"ErrNameContainsUppercase", "invalid reference format: repository name must be lowercase"},
      {"ErrNameEmpty", "invalid reference format: repository name must have at least one component"},
      {"ErrNameTooLong", "invalid reference format: repository name must not be more than 255 characters"},
      {"ErrNameNotCanonical", "invalid reference format: repository name must be canonical"},
      {"digest.ErrDigestInvalidLength", "invalid reference format: invalid checksum digest length"},
      {"digest.ErrDigestUnsupported", "invalid reference format: unsupported digest algorithm"},
  };
  std::string ident = err.at("$ident");
  auto it = kMessages.find(ident);
  EXPECT_NE(it, kMessages.end()) << "no hoist message for upstream error " << ident;
  return (it == kMessages.end() ? ident : it->second) + ": \"" + input + "\"";
}

// Runs fn, which must throw hoist::Error with exactly `message`.
template <typename Fn>
void expect_error(const std::string& where, const std::string& message, Fn fn) {
  try {
    Reference r = fn();
    ADD_FAILURE() << where << ": expected error \"" << message << "\", parsed as " << r.str();
  } catch (const hoist::Error& e) {
    EXPECT_EQ(e.message(), message) << where;
  }
}

// For tables that only say "must fail": any hoist::Error whose message names the input.
template <typename Fn>
void expect_some_error(const std::string& where, const std::string& input, Fn fn) {
  try {
    Reference r = fn();
    ADD_FAILURE() << where << ": expected an error, parsed as " << r.str();
  } catch (const hoist::Error& e) {
    EXPECT_TRUE(e.message().ends_with(": \"" + input + "\"")) << where << ": " << e.message();
  }
}

TEST(ReferenceConformance, EveryTableIsCovered) {
  for (const char* go_file : {"reference_test.go", "normalize_test.go", "regexp_test.go"}) {
    for (const json& t : conformance_file(go_file).at(go_file)) {
      EXPECT_TRUE(kCoveredTables.count({go_file, t.at("func"), t.at("var")}))
          << go_file << ": table " << t.at("func") << "." << t.at("var") << " is not checked";
    }
  }
}

// ---- reference_test.go ----------------------------------------------------------------

TEST(ReferenceConformance, ReferenceParse) {
  json cases = table("reference_test.go", "TestReferenceParse", "tests");
  for (size_t i = 0; i < cases.size(); ++i) {
    const json& c = cases[i];
    std::string input = field(c, "input");
    std::string where = label("TestReferenceParse", i, input);
    if (c.contains("err")) {
      expect_error(where, expected_message(c["err"], input), [&] { return ref::parse_reference(input); });
      continue;
    }
    try {
      Reference r = ref::parse_reference(input);
      EXPECT_EQ(r.str(), input) << where;
      EXPECT_EQ(r.name(), field(c, "repository")) << where;
      EXPECT_EQ(r.domain, field(c, "domain")) << where;
      EXPECT_EQ(r.tag, field(c, "tag")) << where;
      EXPECT_EQ(r.digest, field(c, "digest")) << where;
    } catch (const hoist::Error& e) {
      ADD_FAILURE() << where << ": " << e.message();
    }
  }
}

TEST(ReferenceConformance, WithNameFailure) {
  // Upstream only asserts that WithName fails; the table also names the error, checked here.
  json cases = table("reference_test.go", "TestWithNameFailure", "tests");
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string input = field(cases[i], "input");
    expect_error(label("TestWithNameFailure", i, input), expected_message(cases[i].at("err"), input),
                 [&] { return ref::with_name(input); });
  }
}

TEST(ReferenceConformance, DomainAndPath) {
  json cases = table("reference_test.go", "TestDomainAndPath", "tests");
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string input = field(cases[i], "input");
    std::string where = label("TestDomainAndPath", i, input);
    try {
      Reference r = ref::with_name(input);
      EXPECT_EQ(r.domain, field(cases[i], "domain")) << where;
      EXPECT_EQ(r.path, field(cases[i], "path")) << where;
    } catch (const hoist::Error& e) {
      ADD_FAILURE() << where << ": " << e.message();
    }
  }
}

TEST(ReferenceConformance, Serialization) {
  // Upstream round-trips {"Description", "Field"} through encoding/json with a Field type whose
  // UnmarshalText is Parse and MarshalText is String. The same document is built from the `m`
  // table, Field parsed with parse_reference and re-serialised from str(). Its last check (that
  // Field does not itself implement the Reference interface) is about Go's type system and has
  // no C++ counterpart.
  json document_template = table("reference_test.go", "TestSerialization", "m");
  ASSERT_EQ(document_template.size(), 2u);
  json cases = table("reference_test.go", "TestSerialization", "tests");
  for (size_t i = 0; i < cases.size(); ++i) {
    const json& c = cases[i];
    std::string where = label("TestSerialization", i, field(c, "description"));
    json document;
    for (const auto& [key, value] : document_template.items()) {
      std::string source = value.at("$ident");  // "tc.description", "tc.input"
      ASSERT_TRUE(source.starts_with("tc.")) << source;
      document[key] = field(c, source.substr(3).c_str());
    }
    std::string input = document.at("Field");
    if (c.contains("err")) {
      expect_error(where, expected_message(c["err"], input), [&] { return ref::parse_reference(input); });
      continue;
    }
    try {
      Reference r = ref::parse_reference(input);
      EXPECT_EQ(r.name(), field(c, "name")) << where;
      EXPECT_EQ(r.tag, field(c, "tag")) << where;
      EXPECT_EQ(r.digest, field(c, "digest")) << where;
      json again = document;
      again["Field"] = r.str();
      EXPECT_EQ(again.dump(), document.dump()) << where;
    } catch (const hoist::Error& e) {
      ADD_FAILURE() << where << ": " << e.message();
    }
  }
}

TEST(ReferenceConformance, WithTag) {
  json cases = table("reference_test.go", "TestWithTag", "tests");
  for (size_t i = 0; i < cases.size(); ++i) {
    const json& c = cases[i];
    std::string where = label("TestWithTag", i, field(c, "combined"));
    try {
      Reference r = ref::with_name(field(c, "name"));
      if (c.contains("digest")) r = ref::with_digest(r, field(c, "digest"));
      EXPECT_EQ(ref::with_tag(r, field(c, "tag")).str(), field(c, "combined")) << where;
    } catch (const hoist::Error& e) {
      ADD_FAILURE() << where << ": " << e.message();
    }
  }
}

TEST(ReferenceConformance, WithDigest) {
  json cases = table("reference_test.go", "TestWithDigest", "tests");
  for (size_t i = 0; i < cases.size(); ++i) {
    const json& c = cases[i];
    std::string where = label("TestWithDigest", i, field(c, "combined"));
    try {
      Reference r = ref::with_name(field(c, "name"));
      if (c.contains("tag")) r = ref::with_tag(r, field(c, "tag"));
      EXPECT_EQ(ref::with_digest(r, field(c, "digest")).str(), field(c, "combined")) << where;
    } catch (const hoist::Error& e) {
      ADD_FAILURE() << where << ": " << e.message();
    }
  }
}

TEST(ReferenceConformance, ParseNamed) {
  json cases = table("reference_test.go", "TestParseNamed", "tests");
  for (size_t i = 0; i < cases.size(); ++i) {
    const json& c = cases[i];
    std::string input = field(c, "input");
    std::string where = label("TestParseNamed", i, input);
    if (c.contains("err")) {
      expect_error(where, expected_message(c["err"], input), [&] { return ref::parse_named(input); });
      continue;
    }
    try {
      Reference r = ref::parse_named(input);
      EXPECT_EQ(r.domain, field(c, "domain")) << where;
      EXPECT_EQ(r.path, field(c, "path")) << where;
    } catch (const hoist::Error& e) {
      ADD_FAILURE() << where << ": " << e.message();
    }
  }
}

// ---- normalize_test.go ----------------------------------------------------------------

void expect_names_valid(const std::string& func, const std::string& var) {
  json names = table("normalize_test.go", func, var);
  for (size_t i = 0; i < names.size(); ++i) {
    std::string name = names[i];
    try {
      ref::parse_normalized(name);
    } catch (const hoist::Error& e) {
      ADD_FAILURE() << label(func + "." + var, i, name) << ": " << e.message();
    }
  }
}

void expect_names_invalid(const std::string& func, const std::string& var) {
  json names = table("normalize_test.go", func, var);
  for (size_t i = 0; i < names.size(); ++i) {
    std::string name = names[i];
    expect_some_error(label(func + "." + var, i, name), name, [&] { return ref::parse_normalized(name); });
  }
}

TEST(ReferenceConformance, ValidateReferenceName) {
  expect_names_valid("TestValidateReferenceName", "validRepoNames");
  expect_names_invalid("TestValidateReferenceName", "invalidRepoNames");
}

TEST(ReferenceConformance, ValidateRemoteName) {
  expect_names_valid("TestValidateRemoteName", "validRepositoryNames");
  expect_names_invalid("TestValidateRemoteName", "invalidRepositoryNames");
}

TEST(ReferenceConformance, ParseRepositoryInfo) {
  // refStrings lists which fields of a case are parsed ({"$ident": "tc.FamiliarName"}, ...);
  // upstream code (not table data) appends AmbiguousName when it is non-empty.
  json ref_strings = table("normalize_test.go", "TestParseRepositoryInfo", "refStrings");
  json cases = table("normalize_test.go", "TestParseRepositoryInfo", "tests");
  for (size_t i = 0; i < cases.size(); ++i) {
    const json& c = cases[i];
    std::vector<std::string> inputs;
    for (const json& source : ref_strings) {
      std::string ident = source.at("$ident");
      ASSERT_TRUE(ident.starts_with("tc.")) << ident;
      inputs.push_back(field(c, ident.substr(3).c_str()));
    }
    if (!field(c, "AmbiguousName").empty()) inputs.push_back(field(c, "AmbiguousName"));
    for (const std::string& input : inputs) {
      std::string where = label("TestParseRepositoryInfo", i, input);
      try {
        Reference r = ref::parse_normalized(input);
        EXPECT_EQ(r.familiar(), field(c, "FamiliarName")) << where;
        EXPECT_EQ(r.str(), field(c, "FullName")) << where;
        EXPECT_EQ(r.domain, field(c, "Domain")) << where;
        EXPECT_EQ(r.path, field(c, "RemoteName")) << where;
      } catch (const hoist::Error& e) {
        ADD_FAILURE() << where << ": " << e.message();
      }
    }
  }
}

TEST(ReferenceConformance, ParseAnyReference) {
  json cases = table("normalize_test.go", "TestParseAnyReference", "tests");
  for (size_t i = 0; i < cases.size(); ++i) {
    const json& c = cases[i];
    std::string input = field(c, "Reference");
    std::string where = label("TestParseAnyReference", i, input);
    try {
      Reference r = ref::parse_any_reference(input);
      EXPECT_EQ(r.str(), field(c, "Equivalent")) << where;
      // Expected is either absent (then Parse(Equivalent)) or digestReference("<digest>").
      Reference expected;
      if (c.contains("Expected")) {
        ASSERT_EQ(c["Expected"].at("$call"), "digestReference") << where;
        expected.digest = c["Expected"].at("args").at(0);
      } else {
        expected = ref::parse_reference(field(c, "Equivalent"));
      }
      EXPECT_EQ(r, expected) << where;
    } catch (const hoist::Error& e) {
      ADD_FAILURE() << where << ": " << e.message();
    }
  }
}

TEST(ReferenceConformance, NormalizedSplitHostname) {
  json cases = table("normalize_test.go", "TestNormalizedSplitHostname", "tests");
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string input = field(cases[i], "input");
    std::string where = label("TestNormalizedSplitHostname", i, input);
    try {
      Reference r = ref::parse_normalized(input);
      EXPECT_EQ(r.domain, field(cases[i], "domain")) << where;
      EXPECT_EQ(r.path, field(cases[i], "path")) << where;
    } catch (const hoist::Error& e) {
      ADD_FAILURE() << where << ": " << e.message();
    }
  }
}

TEST(ReferenceConformance, Match) {
  json cases = table("normalize_test.go", "TestMatch", "tests");
  for (size_t i = 0; i < cases.size(); ++i) {
    const json& c = cases[i];
    std::string where = label("TestMatch", i, field(c, "reference") + "\" ~ \"" + field(c, "pattern"));
    try {
      Reference r = ref::parse_any_reference(field(c, "reference"));
      EXPECT_EQ(ref::familiar_match(field(c, "pattern"), r), c.value("expected", false)) << where;
    } catch (const hoist::Error& e) {
      ADD_FAILURE() << where << ": " << e.message();
    }
  }
}

TEST(ReferenceConformance, ParseDockerRef) {
  json cases = table("normalize_test.go", "TestParseDockerRef", "tests");
  for (size_t i = 0; i < cases.size(); ++i) {
    const json& c = cases[i];
    std::string where = label("TestParseDockerRef", i, field(c, "name"));
    try {
      std::string output = ref::parse_docker_ref(field(c, "input")).str();
      EXPECT_EQ(output, field(c, "expected")) << where;
      EXPECT_NO_THROW(ref::parse_reference(output)) << where << ": output must parse";
    } catch (const hoist::Error& e) {
      ADD_FAILURE() << where << ": " << e.message();
    }
  }
}

// ---- regexp_test.go -------------------------------------------------------------------
// Upstream also asserts the regexps' group counts (2 for names, 3 for references); here the
// groups are the fields of NameMatch and ReferenceMatch, so that holds by construction.

TEST(ReferenceConformance, DomainRegexp) {
  json cases = table("regexp_test.go", "TestDomainRegexp", "tests");
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string input = field(cases[i], "input");
    EXPECT_EQ(grammar::is_domain(input), cases[i].value("match", false)) << label("TestDomainRegexp", i, input);
  }
}

TEST(ReferenceConformance, FullNameRegexp) {
  json cases = table("regexp_test.go", "TestFullNameRegexp", "tests");
  for (size_t i = 0; i < cases.size(); ++i) {
    const json& c = cases[i];
    std::string input = field(c, "input");
    std::string where = label("TestFullNameRegexp", i, input);
    auto m = grammar::match_name(input);
    ASSERT_EQ(m.has_value(), c.value("match", false)) << where;
    if (!m || !c.contains("subs")) continue;
    ASSERT_EQ(c["subs"].size(), 2u) << where;
    EXPECT_EQ(m->domain, c["subs"][0].get<std::string>()) << where;
    EXPECT_EQ(m->path, c["subs"][1].get<std::string>()) << where;
  }
}

TEST(ReferenceConformance, ReferenceRegexp) {
  json cases = table("regexp_test.go", "TestReferenceRegexp", "tests");
  for (size_t i = 0; i < cases.size(); ++i) {
    const json& c = cases[i];
    std::string input = field(c, "input");
    std::string where = label("TestReferenceRegexp", i, input);
    auto m = grammar::match_reference(input);
    ASSERT_EQ(m.has_value(), c.value("match", false)) << where;
    if (!m || !c.contains("subs")) continue;
    ASSERT_EQ(c["subs"].size(), 3u) << where;
    EXPECT_EQ(m->name, c["subs"][0].get<std::string>()) << where;
    EXPECT_EQ(m->tag, c["subs"][1].get<std::string>()) << where;
    EXPECT_EQ(m->digest, c["subs"][2].get<std::string>()) << where;
  }
}

TEST(ReferenceConformance, IdentifierRegexp) {
  json cases = table("regexp_test.go", "TestIdentifierRegexp", "tests");
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string input = field(cases[i], "input");
    EXPECT_EQ(grammar::is_identifier(input), cases[i].value("match", false))
        << label("TestIdentifierRegexp", i, input);
  }
}

// ---- upstream tests that are code rather than tables, and hoist-specific behaviour -------

TEST(ReferenceApi, TagAndDigestTogether) {  // TestParseReferenceWithTagAndDigest
  std::string short_ref = "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa";
  Reference r = ref::parse_normalized(short_ref);
  EXPECT_EQ(r.str(), "docker.io/library/" + short_ref);
  EXPECT_EQ(r.tag, "latest");
  EXPECT_FALSE(r.digest.empty());
  EXPECT_EQ(r.familiar_str(), short_ref);
}

TEST(ReferenceApi, InvalidComponents) {  // TestInvalidReferenceComponents, TestMatchError
  EXPECT_THROW(ref::parse_normalized("-foo"), hoist::Error);
  Reference busybox = ref::parse_normalized("busybox");
  EXPECT_THROW(ref::with_tag(busybox, "-foo"), hoist::Error);
  EXPECT_THROW(ref::with_digest(busybox, "foo"), hoist::Error);
  EXPECT_THROW(ref::familiar_match("[-x]", ref::parse_any_reference("foo")), hoist::Error);
}

TEST(ReferenceApi, ErrorNamesTheInput) {
  try {
    ref::parse_normalized("docker.io/Foo/bar:1");
    FAIL() << "uppercase path accepted";
  } catch (const hoist::Error& e) {
    EXPECT_EQ(e.message(), "invalid reference format: repository name must be lowercase: \"docker.io/Foo/bar:1\"");
  }
  try {
    ref::parse_reference("a b\n\"c\"");
    FAIL() << "whitespace accepted";
  } catch (const hoist::Error& e) {
    EXPECT_EQ(e.message(), "invalid reference format: \"a b\\x0a\\\"c\\\"\"");
  }
}

TEST(ReferenceApi, DefaultTag) {
  EXPECT_EQ(ref::with_default_tag(ref::parse_normalized("ubuntu")).str(), "docker.io/library/ubuntu:latest");
  EXPECT_EQ(ref::with_default_tag(ref::parse_normalized("ubuntu:22.04")).tag, "22.04");
  std::string pinned = "localhost:5000/app@sha256:" + std::string(64, 'a');
  EXPECT_EQ(ref::with_default_tag(ref::parse_normalized(pinned)).str(), pinned);
}

TEST(ReferenceApi, FamiliarForms) {
  Reference r = ref::parse_normalized("index.docker.io/library/redis:7");
  EXPECT_EQ(r.name(), "docker.io/library/redis");
  EXPECT_EQ(r.repository_path(), "library/redis");
  EXPECT_EQ(r.familiar(), "redis");
  EXPECT_EQ(r.familiar_str(), "redis:7");
  EXPECT_EQ(ref::parse_normalized("dmcgowan/myapp").familiar(), "dmcgowan/myapp");
  EXPECT_EQ(ref::parse_normalized("localhost/redis").familiar(), "localhost/redis");
}

TEST(ReferenceApi, FamiliarMatchFollowsGoPathMatch) {
  Reference nested = ref::parse_normalized("example.com/team/app:1.0");
  EXPECT_FALSE(ref::familiar_match("example.com/*", nested)) << "a trailing * must not cross /";
  EXPECT_TRUE(ref::familiar_match("example.com/*/*", nested));
  EXPECT_TRUE(ref::familiar_match("example.com/team/app:1.[0-9]", nested));
  EXPECT_TRUE(ref::familiar_match("example.com/team/ap?", nested));
  EXPECT_FALSE(ref::familiar_match("example.com/team/app\\*", nested));
  EXPECT_TRUE(ref::familiar_match("redis", ref::parse_normalized("docker.io/library/redis:7")));
}

TEST(ReferenceApi, OnlySha256DigestsAreUsable) {
  std::string name = "example.com/app@";
  EXPECT_NO_THROW(ref::parse_reference(name + "sha256:" + std::string(64, 'f')));
  EXPECT_THROW(ref::parse_reference(name + "sha256:" + std::string(64, 'F')), hoist::Error);
  EXPECT_THROW(ref::parse_reference(name + "sha512:" + std::string(128, 'f')), hoist::Error);
}

TEST(ReferenceApi, HugeInputFailsCleanly) {
  // A std::regex implementation would recurse per character here.
  std::string long_path(200000, 'a');
  EXPECT_THROW(ref::parse_reference(long_path), hoist::Error);
  std::string many_components;
  for (int i = 0; i < 50000; ++i) many_components += "a/";
  EXPECT_THROW(ref::parse_normalized(many_components + "a:tag"), hoist::Error);
}

}  // namespace
