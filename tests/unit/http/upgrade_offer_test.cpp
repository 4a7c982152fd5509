// Which Upgrade protocols go on to a backend, and which 101 answers the gate
// accepts as the start of a tunnel.
#include "common/http/upgrade_offer.h"

#include <gtest/gtest.h>

namespace httpgate::http {
namespace {

const std::vector<std::string> kWebsocketOnly{"websocket"};

std::vector<HeaderField> fields(std::initializer_list<HeaderField> list) {
  return list;
}

TEST(UpgradeOffer, KeepsOnlyAllowedProtocolsInOrder) {
  EXPECT_EQ(allowedUpgrades(fields({{"Upgrade", "websocket"}}), kWebsocketOnly), "websocket");
  EXPECT_EQ(allowedUpgrades(fields({{"upgrade", "h2c, WebSocket/13 ,foo"}}), kWebsocketOnly),
            "WebSocket/13");
  EXPECT_EQ(allowedUpgrades(fields({{"Upgrade", "h2c"}, {"Upgrade", "websocket"}}), kWebsocketOnly),
            "websocket");
  const std::vector<std::string> two{"websocket", "chat"};
  EXPECT_EQ(allowedUpgrades(fields({{"Upgrade", "chat, h2c, websocket"}}), two), "chat, websocket");
}

TEST(UpgradeOffer, NothingAllowedIsEmpty) {
  EXPECT_EQ(allowedUpgrades(fields({{"Upgrade", "h2c"}}), kWebsocketOnly), "");
  EXPECT_EQ(allowedUpgrades(fields({{"Upgrade", "websockets"}}), kWebsocketOnly), "");
  EXPECT_EQ(allowedUpgrades(fields({{"Upgrade", " , "}}), kWebsocketOnly), "");
  EXPECT_EQ(allowedUpgrades(fields({{"X-Upgrade", "websocket"}}), kWebsocketOnly), "");
  EXPECT_EQ(allowedUpgrades(fields({{"Upgrade", "websocket"}}), {}), "");
}

TEST(UpgradeOffer, A101MustSwitchToOneOfferedProtocol) {
  EXPECT_TRUE(switchesToOffered(fields({{"Upgrade", "websocket"}}), "websocket"));
  EXPECT_TRUE(switchesToOffered(fields({{"upgrade", "WebSocket"}}), "chat, websocket/13"));
  EXPECT_FALSE(switchesToOffered(fields({{"Upgrade", "h2c"}}), "websocket"));
  EXPECT_FALSE(switchesToOffered(fields({}), "websocket")) << "no Upgrade field";
  EXPECT_FALSE(switchesToOffered(fields({{"Upgrade", "websocket, h2c"}}), "websocket"))
      << "a 101 switches to one protocol";
  EXPECT_FALSE(switchesToOffered(fields({{"Upgrade", "websocket"}}), "")) << "nothing offered";
}

}  // namespace
}  // namespace httpgate::http
