"""The demo sites' policy texts: written for this project, not taken from any real site.

A policy is a title plus sections; a section is a heading (or None) plus blocks, each
block a paragraph (str) or a bullet list (tuple of str). The generator's expected
phrases are sentences copied from here, so tests and texts cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

Block = str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Section:
    heading: str | None
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class Policy:
    title: str
    sections: tuple[Section, ...]

    def sentences(self) -> list[str]:
        out: list[str] = []
        for section in self.sections:
            for block in section.blocks:
                out.extend([block] if isinstance(block, str) else block)
        return out

    def word_count(self) -> int:
        return sum(len(s.split()) for s in self.sentences())


# --- acme-shop.com ------------------------------------------------------------------

ACME_A_CHANGED = (
    "We keep order records for seven years because tax law requires it, and we delete "
    "inactive customer accounts after three years without a login."
)
ACME_B_CHANGED = (
    "We keep order records for six years because tax law requires it, and we delete "
    "inactive customer accounts after two years without a login."
)
ACME_B_ADDED_SENTENCE = (
    "If you live in the European Economic Area you may ask us for a copy of the personal "
    "data we hold about you, and we will answer within one month."
)
ACME_C_SHARING = (
    "We do not sell your personal information to anyone, and we stopped sharing purchase "
    "histories with advertising partners on 1 July 2020."
)
ACME_A_SHARING = (
    "We share the products you viewed with a small number of advertising partners so that "
    "they can show you Acme offers on other websites."
)
ACME_A_INTRO = (
    "Acme Shop Inc. runs the online store at acme-shop.com and takes the privacy of its "
    "customers seriously."
)

_ACME_INTRO = Section(
    None,
    (
        ACME_A_INTRO,
        "This policy explains which personal information we collect when you browse our "
        "catalogue, place an order or contact our support team, why we collect it, and "
        "what choices you have.",
    ),
)
_ACME_COLLECT = Section(
    "Information we collect",
    (
        "We collect information that you give us directly and information that is produced "
        "automatically when you use the store.",
        (
            "Your name, postal address, email address and telephone number when you create "
            "an account.",
            "Payment details, which are processed by our payment provider and never stored "
            "on our servers.",
            "The pages you visit, the products you look at and the device and browser you use.",
            "Messages you send to our support team, including attachments.",
        ),
    ),
)
_ACME_USE = Section(
    "How we use your information",
    (
        "We use your information to deliver the products you order, to answer your "
        "questions and to keep the store secure.",
        (
            "To process payments, ship parcels and handle returns.",
            "To send order confirmations and delivery updates by email.",
            "To detect fraud and abuse of customer accounts.",
            "To understand which parts of the store work well and which need improvement.",
        ),
        "We only send marketing emails to customers who asked to receive them, and every "
        "such email contains a link to unsubscribe.",
    ),
)
_ACME_COOKIES = Section(
    "Cookies",
    (
        "The store relies on small text files stored by your browser to remember the "
        "contents of your basket and to keep you signed in.",
        "Some of these files are set by analytics providers who measure how visitors move "
        "through the catalogue; you can block them in your browser settings without "
        "losing access to the store.",
    ),
)


def _acme_sharing(first: str) -> Section:
    return Section(
        "Sharing with third parties",
        (
            first,
            "Carriers receive your name and delivery address so that they can bring your "
            "parcel to your door.",
            "We may disclose information when a court or public authority orders us to do so.",
        ),
    )


def _acme_retention(sentence: str) -> Section:
    return Section(
        "How long we keep your data",
        (
            sentence,
            "Support messages are deleted eighteen months after the conversation is closed.",
        ),
    )


_ACME_CHOICES = Section(
    "Your choices",
    (
        "You can review and correct your account details at any time on the account page.",
        "You can close your account by writing to us, after which we delete your profile "
        "and keep only the records the law obliges us to keep.",
    ),
)
_ACME_CONTACT = Section(
    "Contact us",
    (
        "Questions about this policy can be sent to privacy@acme-shop.com or by post to "
        "Acme Shop Inc., 12 Harbour Road, Portsmouth.",
    ),
)
_ACME_GDPR = Section(
    "Your rights in the European Economic Area",
    (
        ACME_B_ADDED_SENTENCE,
        "You may also ask us to correct or erase your data, to restrict how we use it, or "
        "to send it to you in a machine-readable format.",
        "If you believe we have not handled your request properly, you can complain to the "
        "data protection authority of the country where you live.",
    ),
)

ACME_A = Policy(
    "Privacy Policy",
    (
        Section(None, ("Effective date: 1 March 2015",)),
        _ACME_INTRO,
        _ACME_COLLECT,
        _ACME_USE,
        _ACME_COOKIES,
        _acme_sharing(ACME_A_SHARING),
        _acme_retention(ACME_A_CHANGED),
        _ACME_CHOICES,
        _ACME_CONTACT,
    ),
)
ACME_B = replace(
    ACME_A,
    sections=(
        Section(None, ("Effective date: 15 January 2017",)),
        _ACME_INTRO,
        _ACME_COLLECT,
        _ACME_USE,
        _ACME_COOKIES,
        _acme_sharing(ACME_A_SHARING),
        _acme_retention(ACME_B_CHANGED),
        _ACME_CHOICES,
        _ACME_GDPR,
        _ACME_CONTACT,
    ),
)
ACME_C = replace(
    ACME_B,
    sections=(
        Section(None, ("Effective date: 1 July 2020",)),
        _ACME_INTRO,
        _ACME_COLLECT,
        _ACME_USE,
        _ACME_COOKIES,
        _acme_sharing(ACME_C_SHARING),
        _acme_retention(ACME_B_CHANGED),
        _ACME_CHOICES,
        _ACME_GDPR,
        _ACME_CONTACT,
    ),
)

ACME_SOFT_404 = Policy(
    "Page not found",
    (
        Section(
            None,
            (
                "Sorry, the page you requested could not be found.",
                "It may have been moved or deleted. Try the search box or go back to the homepage.",
            ),
        ),
    ),
)

ACME_PAGES = {
    "about": Policy(
        "About Acme Shop",
        (
            Section(
                None,
                (
                    "Acme Shop started in 2009 as a small hardware store and now ships "
                    "tools and garden supplies across the country.",
                    "Our team of forty people works from a warehouse near the harbour.",
                ),
            ),
        ),
    ),
    "contact": Policy(
        "Contact",
        (
            Section(
                None,
                (
                    "Our customer service team answers messages on weekdays between 9am and 5pm.",
                    "Write to help@acme-shop.com or call 0800 555 0100.",
                ),
            ),
        ),
    ),
    "products": Policy(
        "Products",
        (
            Section(
                None,
                (
                    ("Hand tools", "Power tools", "Garden furniture", "Seeds and bulbs"),
                    "Free delivery on orders over 50 pounds.",
                ),
            ),
        ),
    ),
}

# --- acme-shop-deals.com and partner-ads.net (must never reach the corpus) -----------

DECOY_MARKER = "DECOYMARKER"

DEALS_POLICY = Policy(
    "Privacy Policy",
    (
        Section(
            None,
            (
                "Acme Shop Deals is an independent coupon site and is not related to Acme "
                f"Shop ({DECOY_MARKER}).",
                "We collect the email address you use to subscribe to coupon alerts and the "
                "coupons you click on.",
                "We share click data with the merchants whose coupons you use, because they "
                "pay us a commission for each sale.",
            ),
        ),
        Section(
            "Cookies",
            (
                "Our coupon pages set tracking files that tell merchants which visitor came "
                "from which coupon.",
                "To stop receiving alerts, use the link at the bottom of any alert email "
                f"({DECOY_MARKER}).",
            ),
        ),
    ),
)

PARTNER_POLICY = Policy(
    "Partner Ads Privacy Notice",
    (
        Section(
            None,
            (
                f"Partner Ads Network serves advertisements on retail websites ({DECOY_MARKER}).",
                "We receive a pseudonymous identifier and the pages you viewed on partner "
                "stores, and we use them to choose which advertisements to show you.",
                "You can opt out of interest-based advertising on our opt-out page.",
            ),
        ),
    ),
)

# --- oldtable.org (latin-1, table layout) --------------------------------------------

OLDTABLE_V1_CAFE = (
    "We never give member names to outside companies, not even to the Société des Amis "
    "du Meuble, our sister club in Lyon."
)
OLDTABLE_V1_CHANGED = "Membership records are kept in a locked cabinet at the secretary's home."
OLDTABLE_V2_CHANGED = (
    "Membership records are kept in a password-protected database that only the secretary "
    "and the treasurer can open."
)
OLDTABLE_V2_ADDED = (
    "Our new members' area uses a cookie to remember that you have signed in; it expires "
    "when you close your browser."
)


def _oldtable(changed: str, extra: tuple[Section, ...]) -> Policy:
    return Policy(
        "Privacy Statement",
        (
            Section(
                None,
                (
                    "The Old Table Society is a club for people who collect and restore "
                    "antique furniture.",
                    "This statement tells you what we do with the details you give us when "
                    "you join the Society, order our quarterly bulletin or write to us.",
                ),
            ),
            Section(
                "What we collect",
                (
                    "When you join we ask for your name, postal address, telephone number and, "
                    "if you have one, your e-mail address.",
                    "We also note which meetings you attend so that we can plan the room and "
                    "the refreshments.",
                ),
            ),
            Section(
                "How we use it",
                (
                    "Your address is used to post the bulletin and the invitation to the annual "
                    "dinner.",
                    "Your e-mail address is used for urgent notices only, such as a cancelled "
                    "meeting.",
                    OLDTABLE_V1_CAFE,
                ),
            ),
            Section("Keeping your details safe", (changed,)),
            *extra,
            Section(
                "Questions",
                (
                    "If you want to see or change the details we hold about you, write to the "
                    "Membership Secretary, The Old Table Society, 4 Mill Lane, Ludlow.",
                ),
            ),
        ),
    )


OLDTABLE_V1 = _oldtable(OLDTABLE_V1_CHANGED, ())
OLDTABLE_V2 = _oldtable(
    OLDTABLE_V2_CHANGED, (Section("Cookies on this site", (OLDTABLE_V2_ADDED,)),)
)

OLDTABLE_PAGES = {
    "about.html": Policy(
        "About the Society",
        (
            Section(
                None,
                (
                    "Founded in 1987, the Society meets on the first Tuesday of every month "
                    "in the church hall.",
                    "New members are always welcome; the yearly fee is twelve pounds.",
                ),
            ),
        ),
    ),
    "links.html": Policy(
        "Links",
        (
            Section(
                None,
                (("Furniture restorers' guild", "Museum of rural life", "Auction calendar"),),
            ),
        ),
    ),
}

# --- plainsite.net (German, UTF-8, plain) --------------------------------------------

PLAIN_FIRST = (
    "Wir freuen uns über Ihren Besuch auf plainsite.net und nehmen den Schutz Ihrer "
    "persönlichen Daten sehr ernst."
)
PLAIN_LOGS = (
    "Beim Aufruf unserer Seiten speichert der Webserver vorübergehend die IP-Adresse Ihres "
    "Rechners, Datum und Uhrzeit des Zugriffs sowie den Namen der abgerufenen Datei."
)
PLAIN_RIGHTS = (
    "Sie haben jederzeit das Recht, Auskunft über die bei uns gespeicherten Daten zu "
    "erhalten und deren Berichtigung oder Löschung zu verlangen."
)

PLAIN_POLICY = Policy(
    "Datenschutzerklärung",
    (
        Section(
            None,
            (
                PLAIN_FIRST,
                "Diese Erklärung beschreibt, welche Daten wir beim Besuch der Website erheben, "
                "wofür wir sie verwenden und welche Rechte Sie haben.",
                "Verantwortlich für die Datenverarbeitung ist Jana Beispiel, Gartenstraße 5, "
                "12345 Musterstadt.",
                PLAIN_LOGS,
                "Diese Angaben dienen ausschließlich dazu, den sicheren Betrieb des Servers zu "
                "gewährleisten, und werden nach sieben Tagen automatisch gelöscht.",
                "Eine Zusammenführung mit anderen Datenquellen findet nicht statt, und wir "
                "erstellen keine Nutzerprofile.",
                "Wenn Sie uns per E-Mail kontaktieren, verwenden wir Ihre Adresse und Ihre "
                "Nachricht nur, um Ihre Anfrage zu beantworten.",
                "Die Korrespondenz wird gelöscht, sobald sie erledigt ist und keine "
                "gesetzlichen Aufbewahrungspflichten entgegenstehen.",
                "Diese Website verwendet keine Cookies, keine Analysedienste und keine "
                "eingebetteten Inhalte von Dritten.",
                "Schriftarten und Grafiken werden direkt von unserem eigenen Server ausgeliefert.",
                PLAIN_RIGHTS,
                "Außerdem können Sie der Verarbeitung widersprechen und sich bei einer "
                "Aufsichtsbehörde für den Datenschutz beschweren.",
                "Für Fragen zum Datenschutz erreichen Sie uns unter datenschutz@plainsite.net.",
            ),
        ),
    ),
)

PLAIN_PAGES = {
    "impressum.html": Policy(
        "Impressum",
        (
            Section(
                None,
                (
                    "Angaben gemäß § 5 TMG: Jana Beispiel, Gartenstraße 5, 12345 Musterstadt.",
                    "Kontakt: post@plainsite.net",
                ),
            ),
        ),
    ),
}
