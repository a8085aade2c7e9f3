#include "valor/core/byte_stream.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace valor {
namespace {

TEST(ByteStream, RoundTripsValuesArraysAndStrings) {
  ByteWriter w;
  w.put<int32_t>(-7);
  w.put<double>(2.5);
  const std::vector<float> xs{1.0f, -2.0f, 3.5f};
  w.put_array(std::span<const float>(xs));
  w.put_string("cartpole");
  const std::string bytes = w.take();

  ByteReader r(bytes, "test blob");
  EXPECT_EQ(r.get<int32_t>(), -7);
  EXPECT_EQ(r.get<double>(), 2.5);
  EXPECT_EQ(r.get_array<float>(), xs);
  EXPECT_EQ(r.get_string(), "cartpole");
  EXPECT_TRUE(r.done());
  EXPECT_NO_THROW(r.expect_done());
}

// A checkpoint taken before the first episode ends holds empty arrays; writing and reading them
// must not hand memcpy the null pointer of an empty vector (undefined behaviour, caught by UBSan
// in tools/sanitize).
TEST(ByteStream, EmptyArraysRoundTrip) {
  ByteWriter w;
  const std::vector<int64_t> none;
  w.put_array(std::span<const int64_t>(none));
  w.put_string("");
  w.put_array(std::span<const int64_t>(none));
  const std::string bytes = w.take();
  ASSERT_EQ(bytes.size(), 3 * sizeof(uint64_t));

  ByteReader r(bytes, "empty blob");
  EXPECT_TRUE(r.get_array<int64_t>().empty());
  EXPECT_EQ(r.get_string(), "");
  std::vector<int64_t> into;
  r.get_array_into(std::span<int64_t>(into));
  EXPECT_TRUE(r.done());
}

TEST(ByteStream, TruncatedOrOversizedArraysAreErrorsNamingTheBlob) {
  ByteWriter w;
  w.put<uint64_t>(1'000'000'000'000ULL);  // claims far more elements than there are bytes
  const std::string bytes = w.take();
  ByteReader r(bytes, "replay buffer state");
  try {
    (void)r.get_array<double>();
    FAIL() << "an array longer than the blob was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("replay buffer state"), std::string::npos) << e.what();
  }

  ByteWriter w2;
  const std::vector<int32_t> two{1, 2};
  w2.put_array(std::span<const int32_t>(two));
  const std::string b2 = w2.take();
  ByteReader r2(b2, "episode actions");
  std::vector<int32_t> three(3);
  EXPECT_THROW(r2.get_array_into(std::span<int32_t>(three)), Error);

  ByteReader r3(std::string_view(b2).substr(0, b2.size() - 1), "short blob");
  EXPECT_THROW((void)r3.get_array<int32_t>(), Error);
  ByteReader r4(b2, "trailing");
  (void)r4.get<uint64_t>();
  EXPECT_THROW(r4.expect_done(), Error);
}

}  // namespace
}  // namespace valor
