"""Conversations and admin messages [S2.11 Conversations and Messages operations].

- `records`: reading a stored conversation; the snooze that has run out;
- `shape`: a conversation, its parts and its message as Intercom shows them;
- `transitions`: every change of a conversation's state, one function each;
- `operations`: the API's conversation operations, checking input and calling a transition;
- `messages`: `POST /messages` (an admin starts one) and `POST /conversations` (a contact does);
- `listing`: `GET /conversations` and `POST /conversations/search`.
"""
