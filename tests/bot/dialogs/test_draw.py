"""``wegwijzer tree draw``: the diagram shows every node and edge, and the committed one is current."""

from __future__ import annotations

from pathlib import Path

from bot.cli import main
from bot.dialogs import draw
from bot.dialogs.dialog import Dialog

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_mermaid_has_every_node_and_edge(real_dialog: Dialog) -> None:
    diagram = draw.mermaid(real_dialog.tree, real_dialog.directory)
    lines = diagram.splitlines()
    assert lines[1] == "flowchart TD"
    for node_id, node in real_dialog.tree.nodes.items():
        assert any(line.startswith(f"    {node_id}[") or line.startswith(f"    {node_id}(") for line in lines), node_id
        for option in node.options:
            label = option.label.replace('"', "#quot;")
            assert f'    {node_id} -->|"{label}"| {option.next}' in lines
    edges = sum(len(node.options) for node in real_dialog.tree.nodes.values())
    assert sum(" -->|" in line for line in lines) == edges


def test_mermaid_marks_urgent_and_witte_vlek_nodes_and_names_parties(real_dialog: Dialog) -> None:
    diagram = draw.mermaid(real_dialog.tree, real_dialog.directory)
    assert "class acuut,acuut_113,zorgen_113 urgent" in diagram
    assert "class mens_iets_anders,mens_past_niet wittevlek" in diagram
    assert "mens_past_niet[[" in diagram
    assert "→ 112; Veilig Thuis; Kindertelefoon" in diagram
    assert "Ouders #amp; Onderwijs" in diagram


def test_the_committed_diagram_is_what_tree_draw_writes_now(real_dialog: Dialog) -> None:
    diagram = draw.mermaid(real_dialog.tree, real_dialog.directory)
    assert (DOCS / "beslisboom.mmd").read_text(encoding="utf-8") == diagram, "run: wegwijzer tree draw"
    page = (DOCS / "beslisboom.md").read_text(encoding="utf-8")
    assert page == draw.markdown(diagram)
    assert f"```mermaid\n{diagram}```" in page


def test_tree_draw_writes_the_files(tmp_path: Path) -> None:
    assert main(["tree", "draw", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "beslisboom.mmd").read_text(encoding="utf-8") == (DOCS / "beslisboom.mmd").read_text(
        encoding="utf-8"
    )
    assert (tmp_path / "beslisboom.md").exists()


def test_dot_has_every_node_and_edge(real_dialog: Dialog) -> None:
    text = draw.dot(real_dialog.tree, real_dialog.directory)
    for node_id, node in real_dialog.tree.nodes.items():
        assert f"    {node_id} [shape=" in text
        for option in node.options:
            assert f"    {node_id} -> {option.next} [label=" in text
