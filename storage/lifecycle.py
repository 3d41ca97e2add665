"""A lifecycle declared once as data: states, triggers, one shared ``transitions`` Machine, and its drawing.

The hand-off, the call-back request and the warm referral each declare one (``storage.*_lifecycle``). Storage asks
it which states a trigger may leave (``sources``) and where it leads (``destination``), and writes each change as
one conditional UPDATE (``… WHERE status IN sources``), so a race has exactly one winner, across processes. The
status column is the only truth; nothing is ever added to the shared machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from transitions import Machine


class Lifecycle:
    def __init__(
        self,
        title: str,
        source_file: str,
        states: Sequence[str],
        transitions: list[dict[str, Any]],
        initial: str,
        finals: Sequence[str],
    ) -> None:
        self.title = title
        self.source_file = source_file
        self.states = tuple(states)
        self.transitions = transitions
        self.initial = initial
        self.finals = tuple(finals)
        self.machine = Machine(
            model=None, states=list(states), transitions=transitions, initial=initial, auto_transitions=False
        )

    def sources(self, trigger: str) -> tuple[str, ...]:
        """The states ``trigger`` may leave (KeyError for a trigger the lifecycle does not have)."""
        return tuple(self.machine.events[trigger].transitions)

    def destination(self, trigger: str) -> str:
        """Where ``trigger`` leads (the same from every state it may leave)."""
        event = self.machine.events[trigger]
        (dest,) = {transition.dest for transitions in event.transitions.values() for transition in transitions}
        assert dest is not None
        return str(dest)

    def mermaid(self) -> str:
        """The lifecycle as a Mermaid state diagram, from the same data."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for transition in self.transitions:
            source = transition["source"]
            for state in source if isinstance(source, list) else [source]:
                lines.append(f"    {state} --> {transition['dest']}: {transition['trigger']}")
        lines += [f"    {state} --> [*]" for state in self.finals]
        return "\n".join(lines) + "\n"

    def markdown(self) -> str:
        return (
            f"# {self.title}\n\n"
            f"Drawn from `{self.source_file}` by `wegwijzer lifecycle draw`; do not edit by hand.\n\n"
            f"```mermaid\n{self.mermaid()}```\n"
        )
