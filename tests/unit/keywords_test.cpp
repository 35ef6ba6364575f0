// Replies read the way people type them (twoway/keywords.hpp).

#include "twoway/keywords.hpp"

#include <gtest/gtest.h>

namespace smsgw::twoway {
namespace {

TEST(NormalizeReply, FullWidthCaseSpacesAndAClosingStopReadTheSame) {
  EXPECT_EQ(normalize_reply("td"), "TD");
  EXPECT_EQ(normalize_reply("ＴＤ"), "TD");
  EXPECT_EQ(normalize_reply("  Td。 "), "TD");
  EXPECT_EQ(normalize_reply("退订！"), "退订");
  EXPECT_EQ(normalize_reply("tp\u3000０７"), "TP 07");
  EXPECT_EQ(normalize_reply("TP   07."), "TP 07");
  EXPECT_EQ(normalize_reply("１"), "1");
  EXPECT_EQ(normalize_reply(""), "");
  EXPECT_EQ(normalize_reply("。。"), "");
  // Punctuation inside the text stays: it is part of what was said.
  EXPECT_EQ(normalize_reply("好的.谢谢"), "好的.谢谢");
  // A stray byte is kept (and so matches no keyword).
  EXPECT_EQ(normalize_reply("T\xff"), "T\xff");
}

TEST(Classify, OnlyAWholeReplyIsAKeyword) {
  KeywordRules rules{{"TD", "退订", "STOP"}, {"START"}};
  EXPECT_EQ(classify(normalize_reply("ｔｄ"), rules), ReplyKind::opt_out);
  EXPECT_EQ(classify(normalize_reply("退订。"), rules), ReplyKind::opt_out);
  EXPECT_EQ(classify(normalize_reply("stop"), rules), ReplyKind::opt_out);
  EXPECT_EQ(classify(normalize_reply("Start"), rules), ReplyKind::opt_in);
  EXPECT_EQ(classify(normalize_reply("TD是什么意思"), rules), ReplyKind::reply);
  EXPECT_EQ(classify(normalize_reply("1"), rules), ReplyKind::reply);
  EXPECT_EQ(classify("", rules), ReplyKind::reply);
  EXPECT_EQ(classify("TD", KeywordRules{}), ReplyKind::reply);
}

TEST(BoundedReplyText, ControlCharactersGoAndTheLengthIsBoundedAtACharacter) {
  EXPECT_EQ(bounded_reply_text("a\x1b[2Jb\nc\td"), "a [2Jb\nc d");
  EXPECT_EQ(bounded_reply_text("x\xff"), "x\xEF\xBF\xBD");
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "好";  // 3 bytes each
  const std::string out = bounded_reply_text(many);
  EXPECT_LE(out.size(), kMaxReplyText);
  EXPECT_EQ(out.size() % 3, 0u);
}

}  // namespace
TEST(SplitBallot, AVoteIsAKeywordAndACodeHoweverItIsTyped) {
  auto b = split_ballot(normalize_reply("ＴＰ　０７。"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->keyword, "TP");
  EXPECT_EQ(b->code, "7");
  b = split_ballot(normalize_reply("tp07"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->keyword, "TP");
  EXPECT_EQ(b->code, "7");
  b = split_ballot(normalize_reply("投票 a 3"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->keyword, "投票");
  EXPECT_EQ(b->code, "A3");
  EXPECT_FALSE(split_ballot(normalize_reply("1")));
  EXPECT_FALSE(split_ballot(normalize_reply("好的")));
  EXPECT_FALSE(split_ballot(""));
  EXPECT_EQ(normal_code("00"), "0");
  EXPECT_EQ(normal_code(" b2 "), "B2");
}

}  // namespace smsgw::twoway
