#include <cstdio>

int main() {
  std::puts("valor");
  return 0;
}
