#include <stdio.h>

int main(void) {
  puts("hello from a static C binary, built by hoist in two stages");
  return 0;
}
