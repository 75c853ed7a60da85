// Parse time of a generated 10,000-line Dockerfile (parser, instructions and
// plan), best of several rounds. Prints milliseconds per stage.
#include <chrono>
#include <cstdio>
#include <string>

#include "builder/build_plan.h"
#include "builder/dockerfile_parser.h"
#include "builder/instructions.h"
#include "common/error.h"

namespace {

std::string make_dockerfile(int lines) {
  std::string df = "# syntax=docker/dockerfile:1\nARG BASE=debian:bookworm\nFROM ${BASE} AS build\n";
  const char* body[] = {
      "ENV PATH=/opt/bin:$PATH LANG=C.UTF-8\n",
      "RUN apt-get update && \\\n    apt-get install -y --no-install-recommends curl ca-certificates\n",
      "COPY --chown=1000:1000 --chmod=0644 src/ /app/src/\n",
      "LABEL org.opencontainers.image.title=\"app\" version=\"1.0\"\n",
      "RUN [\"/bin/sh\", \"-c\", \"echo hello > /tmp/x\"]\n",
      "WORKDIR /app/${LANG}\n",
      "EXPOSE 8080/tcp 9090\n",
      "ARG N=3\n",
  };
  int n = 3;
  for (int i = 0; n < lines; ++i) {
    if (i % 500 == 499) {
      df += "FROM build AS stage" + std::to_string(i) + "\n";
      ++n;
      continue;
    }
    std::string b = body[i % 8];
    df += b;
    for (char c : b) n += c == '\n';
  }
  return df;
}

template <typename Fn>
double best_ms(Fn fn) {
  double best = 1e9;
  for (int r = 0; r < 7; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main() {
  try {
    std::string df = make_dockerfile(10000);
    hoist::builder::ParseResult parsed;
    double parse = best_ms([&] { parsed = hoist::builder::parse_dockerfile(df); });
    double instr = best_ms([&] { hoist::builder::parse_instructions(parsed); });
    hoist::builder::PlanOptions opts;
    opts.target_platform = opts.build_platform = hoist::oci::host_platform();
    double plan = best_ms([&] { hoist::builder::make_plan(parsed, opts); });
    std::printf("10000-line Dockerfile (%zu bytes, %zu instructions): parse %.2f ms, instructions %.2f ms, "
                "plan %.2f ms, total %.2f ms\n",
                df.size(), parsed.ast.children.size(), parse, instr, plan, parse + plan);
  } catch (const hoist::Error& e) {
    std::fprintf(stderr, "dockerfile_parse_bench: %s\n", e.describe().c_str());
    return 1;
  }
  return 0;
}
