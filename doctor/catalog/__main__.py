"""`python -m doctor.catalog`: regenerate docs/codes/ from the catalog."""

from pathlib import Path

from doctor.catalog.docs import write_pages

if __name__ == "__main__":
    target = Path(__file__).resolve().parents[2] / "docs" / "codes"
    changed = write_pages(target)
    print(f"{len(changed)} page(s) written or removed under {target}" if changed else "docs/codes is up to date")
