"""Speed of the text side: decode + extract + check + split, in documents per second,
and the language split's share of the time measured against extraction's.

Run `python -m bench.text [--repeat N] [--reference DIR]`. Pages are generated here
(monolingual and bilingual, modern and table layouts); the Open Terms Archive sample
is timed too where it is present.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corpus.decoding import decode_html
from corpus.language import forget_detections
from corpus.policy import check_policy
from corpus.process import extract_policy, render_documents
from corpus.split import split_languages

DEFAULT_REFERENCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "ota"

_EN = (
    "We collect the personal information you give us when you create an account, place an "
    "order, subscribe to a service or write to our support team.",
    "We use this information to provide and improve our services, to process payments, to "
    "prevent fraud and to tell you about changes to your account.",
    "We share personal information only with service providers who process it on our behalf "
    "under contracts that oblige them to protect it.",
    "You may ask for a copy of the information we hold about you, have it corrected or "
    "deleted, and object to its use for marketing at any time.",
    "We keep personal information only as long as we need it for the purposes described here "
    "or as long as the law requires us to keep it.",
    "Our website uses cookies and similar technologies to remember your preferences and to "
    "understand how visitors use our pages.",
)
_FR = (
    "Nous collectons les informations personnelles que vous nous fournissez lorsque vous créez "
    "un compte, passez une commande ou écrivez à notre service client.",
    "Nous utilisons ces informations pour fournir et améliorer nos services, traiter les "
    "paiements, prévenir la fraude et vous informer des changements de votre compte.",
    "Nous ne partageons vos informations qu'avec des prestataires qui les traitent pour notre "
    "compte, dans le cadre de contrats qui les obligent à les protéger.",
    "Vous pouvez demander une copie des informations que nous détenons à votre sujet, les "
    "faire corriger ou supprimer, et vous opposer à leur usage commercial.",
)
_DE = (
    "Wir erheben die personenbezogenen Daten, die Sie uns bei der Registrierung, bei einer "
    "Bestellung oder bei einer Anfrage an unseren Kundendienst mitteilen.",
    "Wir verwenden diese Daten, um unsere Leistungen zu erbringen, Zahlungen abzuwickeln und "
    "Sie über Änderungen an Ihrem Konto zu informieren.",
    "Sie haben jederzeit das Recht auf Auskunft, Berichtigung und Löschung Ihrer Daten sowie "
    "das Recht, der Verarbeitung zu widersprechen.",
)
_ZH = (
    "当您注册账户、下单或联系我们的客服团队时，我们会收集您向我们提供的个人信息。",
    "我们使用这些信息来提供和改进服务、处理付款、防范欺诈，并通知您账户的变更情况。",
    "我们仅与代表我们处理信息的服务提供商共享您的个人信息，并以合同要求其妥善保护。",
    "您可以随时要求获取我们所持有的您的个人信息副本，并要求更正或删除这些信息。",
)


def _paragraphs(pool: tuple[str, ...], count: int, rng: random.Random) -> list[str]:
    return [f"{rng.choice(pool)} {rng.choice(pool)}" for _ in range(count)]


# Real pages carry far more markup than text: styles, scripts, mega menus, footers.
# Extraction's cost grows with it, so generated pages carry a realistic amount.
_STYLE = "".join(f".c{i}{{margin:{i % 7}px;padding:{i % 5}px;color:#{i:06x}}}" for i in range(400))
_SCRIPT = (
    "window.__CONFIG__ = {" + ",".join(f'"k{i}": "{"v" * (i % 40)}"' for i in range(600)) + "};"
)
_ICON = '<svg class="icon" viewBox="0 0 24 24"><path d="M12 2l3 7h7l-5.5 4 2 7-6.5-4.5L5.5 20l2-7L2 9h7z"/></svg>'
_MENU = "".join(
    f'<li class="menu-item menu-item--level-1"><a class="menu-link" href="/c/{i}">{_ICON}'
    f'<span class="menu-label">Category {i}</span></a><div class="menu-panel"><ul class="sub">'
    + "".join(
        f'<li class="menu-item"><a class="menu-link" href="/c/{i}/{j}"><span>Item {i}.{j}</span></a></li>'
        for j in range(10)
    )
    + "</ul></div></li>"
    for i in range(25)
)
_FOOTER = "".join(
    f'<li class="footer__item"><a class="footer__link" href="/f/{i}">{_ICON}<span>Footer link {i}</span></a></li>'
    for i in range(80)
)


def _modern(title: str, body: str, lang: str = "en") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_STYLE}</style><script>{_SCRIPT}</script></head><body>"
        f'<header><nav class="mega"><ul>{_MENU}</ul></nav></header>'
        '<div id="cookie-banner" role="dialog"><p>We use cookies.</p><button>OK</button></div>'
        f'<div class="wrap"><div class="row"><div class="col"><main><article><h1>{title}</h1>'
        f"{body}</article></main></div>"
        f'<aside class="related"><ul>{_FOOTER[:2000]}</ul></aside></div></div>'
        f'<footer><ul class="links">{_FOOTER}</ul><p>&copy; 2020 Example Inc.</p></footer>'
        "</body></html>"
    ).encode()


def _cms(inner: str) -> str:
    """A content block as page builders nest it: wrappers, classes, a data attribute."""
    return (
        '<div class="block block--text" data-block="text"><div class="block__inner">'
        f'<div class="rich-text rte">{inner}</div></div></div>'
    )


def _sections(paragraphs: list[str], headings: list[str]) -> str:
    out = []
    for index, paragraph in enumerate(paragraphs):
        if index % 4 == 0:
            out.append(_cms(f'<h2 id="s{index}">{headings[(index // 4) % len(headings)]}</h2>'))
        out.append(_cms(f"<p>{paragraph}</p>"))
    return "".join(out)


def generated_pages(seed: int = 0) -> dict[str, list[bytes]]:
    rng = random.Random(seed)
    en_heads = ["Information we collect", "How we use it", "Sharing", "Your rights"]
    pages: dict[str, list[bytes]] = {"monolingual": [], "bilingual": []}
    for size in (40, 80, 160):  # paragraphs: a short, a typical and a long policy
        pages["monolingual"].append(
            _modern("Privacy Policy", _sections(_paragraphs(_EN, size, rng), en_heads))
        )
        pages["monolingual"].append(
            _modern(
                "Datenschutzerklärung",
                _sections(_paragraphs(_DE, size, rng), ["Erhebung", "Ihre Rechte"]),
                "de",
            )
        )
        table = "".join(f"<P>{p}</P>" for p in _paragraphs(_EN, size, rng))
        pages["monolingual"].append(
            (
                "<HTML><HEAD><TITLE>Privacy</TITLE></HEAD><BODY><TABLE WIDTH=760><TR>"
                '<TD><A HREF="/">Home</A><BR><A HREF="/a">About</A></TD>'
                f"<TD><B>Privacy Policy</B>{table}</TD></TR></TABLE></BODY></HTML>"
            ).encode("cp1252")
        )
        english = _sections(_paragraphs(_EN, size // 2, rng), en_heads)
        chinese = _sections(_paragraphs(_ZH, size // 2, rng), ["个人信息", "您的权利"])
        pages["bilingual"].append(_modern("Privacy Policy 隐私政策", english + chinese))
        mixed = "".join(
            _cms(f"<p>{e}</p>") + _cms(f"<p>{z}</p>")
            for e, z in zip(
                _paragraphs(_EN, size // 2, rng), _paragraphs(_ZH, size // 2, rng), strict=True
            )
        )
        pages["bilingual"].append(_modern("Privacy Policy / 隐私政策", mixed))
        french = "".join(
            _cms(f"<p>{e}</p>") + _cms(f"<p>{f}</p>")
            for e, f in zip(
                _paragraphs(_EN, size // 2, rng), _paragraphs(_FR, size // 2, rng), strict=True
            )
        )
        pages["bilingual"].append(_modern("Privacy Policy / Politique de confidentialité", french))
    return pages


def reference_pages(reference: Path) -> dict[str, list[bytes]]:
    if not reference.is_dir():
        return {}
    pages: dict[str, list[bytes]] = {"reference (monolingual)": [], "reference (en+hi)": []}
    for path in sorted(reference.glob("*/*.html")):
        key = "reference (en+hi)" if "bilingual" in path.parent.name else "reference (monolingual)"
        pages[key].append(path.read_bytes())
    return pages


@dataclass(slots=True)
class Timing:
    documents: int = 0
    decode: float = 0.0
    extract: float = 0.0
    check: float = 0.0
    split: float = 0.0
    render: float = 0.0

    @property
    def total(self) -> float:
        return self.decode + self.extract + self.check + self.split + self.render


def measure(
    pages: list[bytes], repeat: int, clock: Callable[[], float] = time.perf_counter
) -> Timing:
    """`clock=time.process_time` counts this process's CPU time only: on a shared
    machine, other programs' turns on the CPU no longer land in whichever step ran."""
    timing = Timing()
    for _ in range(repeat):
        for body in pages:
            start = clock()
            decoded = decode_html(body)
            decoded_at = clock()
            extracted = extract_policy(decoded.text, None, "privacy")
            extracted_at = clock()
            check_policy(extracted, "privacy")
            # every page pays its own detection, as a page seen for the first time does
            forget_detections()
            checked_at = clock()
            parts = split_languages(extracted.blocks)
            split_at = clock()
            documents = render_documents(parts, extracted.title)
            rendered_at = clock()
            timing.decode += decoded_at - start
            timing.extract += extracted_at - decoded_at
            timing.check += checked_at - extracted_at
            timing.split += split_at - checked_at
            timing.render += rendered_at - split_at
            timing.documents += len(documents)
    return timing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    args = parser.parse_args(argv)
    groups = {**generated_pages(), **reference_pages(args.reference)}
    # one untimed pass: imports, lxml and langdetect profile loading
    measure(groups["monolingual"][:1], 1)
    print(
        f"{'pages':<26} {'n':>4} {'docs':>5} {'docs/s':>8} {'ms/page':>8} "
        f"{'decode':>7} {'extract':>8} {'check':>6} {'split':>6} {'render':>6} {'split/extract':>13}"
    )
    for name, pages in groups.items():
        if not pages:
            continue
        repeat = args.repeat if not name.startswith("reference") else 1
        timing = measure(pages, repeat)
        count = len(pages) * repeat
        share = timing.split / timing.extract if timing.extract else 0.0
        print(
            f"{name:<26} {len(pages):>4} {timing.documents // repeat:>5} "
            f"{timing.documents / timing.total:8.1f} {1000 * timing.total / count:8.1f} "
            f"{1000 * timing.decode / count:7.1f} {1000 * timing.extract / count:8.1f} "
            f"{1000 * timing.check / count:6.1f} {1000 * timing.split / count:6.1f} "
            f"{1000 * timing.render / count:6.1f} "
            f"{share:12.1%}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
