package io.switchboard.api;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConversationKeyTest {

  private static final ChatMessage SYSTEM = ChatMessage.of("system", "you are a phone agent");
  private static final ChatMessage FIRST = ChatMessage.of("user", "hello, I'd like to book a table");

  @Test
  void everyTurnOfAConversationHasTheKeyOfItsOpening() {
    String key = ConversationKey.of(List.of(SYSTEM, FIRST));
    assertTrue(key.matches("[0-9a-f]{16}"), key);
    assertEquals(key, ConversationKey.of(List.of(SYSTEM, FIRST, ChatMessage.of("assistant", "for how many?"), ChatMessage.of("user", "two"))));
    assertEquals(key, ConversationKey.of(List.of(ChatMessage.of("developer", "you are a phone agent"), FIRST)), "developer counts as system");
  }

  @Test
  void anotherOpeningIsAnotherConversation() {
    String key = ConversationKey.of(List.of(SYSTEM, FIRST));
    assertNotEquals(key, ConversationKey.of(List.of(SYSTEM, ChatMessage.of("user", "hello, I'd like to cancel"))));
    assertNotEquals(key, ConversationKey.of(List.of(FIRST)));
    assertNotEquals(ConversationKey.of(List.of(ChatMessage.of("system", "ab"), ChatMessage.of("user", "c"))),
      ConversationKey.of(List.of(ChatMessage.of("system", "a"), ChatMessage.of("user", "bc"))), "lengths keep the parts apart");
  }

  @Test
  void withoutAUserMessageFirstThereIsNoKey() {
    assertNull(ConversationKey.of(List.of(SYSTEM)));
    assertNull(ConversationKey.of(List.of(ChatMessage.of("assistant", "hi"), FIRST)));
  }
}
