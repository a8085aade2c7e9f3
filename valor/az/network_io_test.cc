#include "valor/az/network_io.h"

#include <gtest/gtest.h>

#include "valor/core/error.h"

namespace valor::az {
namespace {

NetworkSpec conv_spec() {
  NetworkSpec s;
  s.observation = {2, 6, 7};
  s.num_actions = 7;
  s.trunk = "conv";
  s.channels = 32;
  s.blocks = 3;
  s.value_head = "hl_gauss";
  s.bins = 51;
  s.sigma_ratio = 0.1 + 0.2;  // not exactly representable in few digits
  s.value_weight = 0.25;
  return s;
}

TEST(AzNetworkIo, SpecTextRoundTrips) {
  NetworkSpec mlp;
  mlp.observation = {2, 3, 3};
  mlp.num_actions = 9;
  mlp.hidden = {128, 64, 32};
  for (const NetworkSpec& s : {mlp, conv_spec()}) {
    const std::string text = network_spec_to_text(s);
    const NetworkSpec back = network_spec_from_text(text);
    EXPECT_EQ(network_spec_to_text(back), text);
    EXPECT_EQ(network_spec_difference(s, back), std::nullopt);
    EXPECT_EQ(back.sigma_ratio, s.sigma_ratio);
    EXPECT_EQ(back.hidden, s.hidden);
  }
  NetworkSpec empty_hidden = mlp;
  empty_hidden.hidden = {};  // a linear network
  EXPECT_TRUE(network_spec_from_text(network_spec_to_text(empty_hidden)).hidden.empty());
}

TEST(AzNetworkIo, DifferenceNamesTheKey) {
  const NetworkSpec a = conv_spec();
  NetworkSpec b = a;
  b.trunk = "mlp";
  EXPECT_EQ(network_spec_difference(a, b),
            "az.trunk: the checkpoint has 'conv', these options give 'mlp'");
  b = a;
  b.channels = 64;
  EXPECT_EQ(network_spec_difference(a, b),
            "az.channels: the checkpoint has '32', these options give '64'");
  b = a;
  b.hidden = {32};
  EXPECT_EQ(network_spec_difference(a, b),
            "az.hidden: the checkpoint has '64 64', these options give '32'");
  b = a;
  b.observation = {2, 3, 3};
  EXPECT_NE(network_spec_difference(a, b)->find("az.game"), std::string::npos);
}

TEST(AzNetworkIo, MalformedTextIsAnError) {
  const std::string good = network_spec_to_text(conv_spec());
  EXPECT_THROW(network_spec_from_text(""), Error);
  EXPECT_THROW(network_spec_from_text("valor.az.network_spec 2\n"), Error);
  std::string missing = good;
  missing.erase(missing.find("blocks"),
                missing.find('\n', missing.find("blocks")) - missing.find("blocks") + 1);
  try {
    network_spec_from_text(missing);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no blocks line"), std::string::npos);
  }
  EXPECT_THROW(network_spec_from_text(good + "depth 3\n"), Error);
  std::string bad = good;
  bad.replace(bad.find("channels 32"), 11, "channels x2");
  EXPECT_THROW(network_spec_from_text(bad), Error);
}

}  // namespace
}  // namespace valor::az
