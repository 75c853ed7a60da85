#include <cstdio>

int main() {
  std::puts("hoist");
  return 0;
}
