"""The chat-ondersteuning: the human queue behind "Praat met een mens".

- ``hours``: opening hours and holidays (Europe/Amsterdam), Babel-formatted for the user.
- ``gate``: ``HelpdeskGate``, the engine's ``bot.handoff.HandoffGate``: queues a conversation and relays
  the user's messages while a person has it.
- ``desk``: what agents do from the console (claim, reply, transfer, end) and the disconnect watchdog.
- ``live``: in-process publish/subscribe that carries queue and conversation events to console sockets (and a
  notice without text of each event to the agent whose other live chat it is).
- ``presence``: the user's state that changes no lifecycle: typing (web chat), back after having left.
- ``texts``: every text the user sees from the helpdesk, in B1 Dutch through gettext.

The queue's truth is ``handoffs.status``, whose lifecycle is declared in ``storage.handoff_lifecycle`` (drawn in
``docs/lifecycle.md``); ``Conversation.status`` only says whether the user talks with us or stopped.
"""
