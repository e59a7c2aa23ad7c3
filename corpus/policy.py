"""Is this text a policy of the requested kind? A named reason when it is not.

Favours precision: a page is accepted only when it reads like a policy (enough words,
the kind named in its title or headings or often in its text, and several of the
concepts every such policy covers), and rejected first by the specific failures the
archive is full of, each with its own reason so that the drops can be counted and
audited:

- `empty`, `too_short`: nothing, or less than any real policy;
- `archive_error`: the Wayback Machine's own pages ("Hrm.", "not archived", exclusions);
- `not_found_page`: soft-404 and error pages served with status 200;
- `login_wall`, `cookie_wall`, `javascript_required`: the policy is behind something;
- `parked_domain`: parking and for-sale pages, and a registrar's or parking company's
  own policy served on a parked domain, or linked from it to the parking company's site
  under an address naming parked pages (the classic trap: it *is* a privacy policy);
- `coming_soon`: placeholders and pages under construction;
- `link_only`: pages that only point to the policy ("has moved", "click here");
- `homepage`: a site's front page; `not_<kind>_policy`: anything else that does not
  read as the requested kind (a terms page, a news article mentioning privacy).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

from corpus.blocks import HEADING, Block
from corpus.extraction import Extracted

MIN_WORDS = 40  # shorter than any real policy (a hobby site's whole policy can be 56
# words); the concept test below, not length, is what keeps teasers out
MIN_CJK_CHARS = 120  # the same for scripts written without spaces
WALL_MAX_WORDS = 400  # error, wall and placeholder pages are short; a policy quoting
# "page not found" in passing is not
LINK_ONLY_SHARE = 0.5  # more of the text is link anchors than prose
LINK_ONLY_MAX_WORDS = 60  # a page that only points elsewhere says so in a sentence or
# two; a longer one that reads as a policy (a summary offering "click here" for its
# translation) is the policy
MIN_CONCEPTS = 3  # distinct privacy-policy concepts a real privacy policy covers
CHECK_SAMPLE_CHARS = 20_000  # a policy says what it is well before this; keeps long pages cheap

_CJK = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")  # and Thai


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), re.IGNORECASE)


_ARCHIVE_ERROR = _words(
    r"wayback machine (has not archived|doesn't have that page|cannot display)",
    r"\bhrm\.\s",
    r"this url has been excluded from the wayback machine",
    r"(this )?snapshot cannot be displayed",
    r"got an http \d{3} response at crawl time",
    r"internet archive: (wayback machine|scheduled maintenance)",
    r"the wayback machine is (currently )?(unavailable|down|under maintenance)",
    r"this page is not available on the web because page does not exist",
)
_NOT_FOUND = _words(
    r"\b(error )?404\b",
    r"page (was )?not found",
    r"\bnot found\b",
    r"page (you requested |you were looking for |you are looking for )?(could|can) ?not be found",
    r"(no longer|does not|doesn't) exist",
    r"\b(500 )?internal server error\b",
    r"\b(403 )?forbidden\b",
    r"service (temporarily )?unavailable",
    r"\baccess denied\b",
    r"seite (wurde )?nicht gefunden",
    r"fehler 404",
    r"page (introuvable|non trouvée)",
    r"cette page n'existe (pas|plus)",
    r"página no encontrada",
    r"la página (que buscas )?no existe",
    r"pagina non trovata",
    r"pagina niet gevonden",
    r"página não encontrada",
    r"страница не найдена",
    r"页面不存在|找不到(该|此|您要的)?页面|页面未找到|網頁不存在|找不到網頁",
    r"ページが見つかりません|お探しのページ",
    r"페이지를 찾을 수 없",
)
_LOGIN = _words(
    r"\b(please )?(log ?in|sign ?in)( to (continue|view|access|see))",
    r"you (must|need to) (be )?(logged|signed) in",
    r"(log|sign) in to your account",
    r"forgot (your )?password",
    r"bitte (melden sie sich an|einloggen)|anmelden um fortzufahren|passwort vergessen",
    r"connectez-vous|mot de passe oublié|identifiez-vous",
    r"inicia(r)? sesión|¿olvidaste tu contraseña|olvidó su contraseña",
    r"accedi per continuare|password dimenticata",
    r"inloggen om verder|wachtwoord vergeten",
    r"请(先)?登录|登录后|忘记密码|請先登入|ログインしてください|パスワードをお忘れ|로그인이 필요|로그인 후",
    r"войдите|забыли пароль",
)
_COOKIE_WALL = _words(
    r"(accept|agree to|allow) (all )?cookies to (continue|access|view|use)",
    r"(you )?(must|need to) (accept|allow|enable) cookies",
    r"cookies? (are|is) (required|disabled)",
    r"enable cookies in your browser",
    r"cookies (akzeptieren|zustimmen),? um",
    r"acceptez les cookies pour|veuillez (accepter|activer) les cookies",
    r"acepta(r)? (las )?cookies para",
    r"请(启用|接受)(cookie|Cookie)|Cookieを有効",
)
_JAVASCRIPT = _words(
    r"(please )?enable javascript",
    r"javascript (is )?(required|disabled|must be enabled)",
    r"you need to enable javascript to run this app",
    r"javascript aktivieren|activez javascript|habilita javascript|请启用javascript",
)
_PARKED = _words(
    r"this domain (name )?(is|may be) for sale",
    r"buy this domain",
    r"domain (name )?(is )?for sale",
    r"the domain \S+ (is|may be) for sale",
    r"this domain (has been|was) registered (at|by|with|through)",
    r"parked (free )?(courtesy of|by|at|with)",
    r"domain parking",
    r"this (web )?page (is|was) parked",
    r"hugedomains|sedoparking|parkingcrew|bodis\.com|afternic|dan\.com|undeveloped\.com",
    r"is (currently )?registered (at|with) (godaddy|namecheap|network solutions|gandi|ionos)",
    r"diese domain (steht zum verkauf|kaufen|wurde registriert)",
    r"ce (nom de )?domaine (est|peut être) à vendre",
    r"este dominio (está|puede estar) en venta",
    r"questo dominio è in vendita",
    r"此域名(正在)?(出售|转让)|域名(出售|转让)|このドメインは(販売|売却)",
)
# Companies whose own policy answers on domains they park: found in the title or
# the first lines, while the crawled domain's name is nowhere in the text.
_REGISTRARS = _words(
    r"\b(?:godaddy|go daddy|namecheap|network solutions|register\.com|tucows|enom|gandi|"
    r"ionos|1&1|hostgator|bluehost|dreamhost|hover|name\.com|dynadot|porkbun|epik|"
    r"sedo|bodis|parkingcrew|above\.com|hugedomains|afternic|uniregistry|namebright|"
    r"domainmarket|dan\.com|internet\.bs|web\.com|strato|ovh|aruba|wix|squarespace|"
    r"onamae)\b|お名前\.com|万网|西部数码|hichina"
)
_COMING_SOON = _words(
    r"coming soon",
    r"under construction",
    r"(site|website|page) (is )?(currently )?(being built|launching soon|in progress)",
    r"check back (soon|later)",
    r"stay tuned",
    r"demnächst|in kürze verfügbar|im aufbau|baustelle",
    r"bientôt (disponible|en ligne)|en (cours de )?construction",
    r"próximamente|en construcción",
    r"prossimamente|in costruzione",
    r"binnenkort|in aanbouw",
    r"em breve|em construção",
    r"скоро|в разработке",
    r"即将(推出|上线)|敬请期待|建设中|正在建設|準備中|近日公開|工事中|준비 ?중|공사 ?중",
)
_LINK_ONLY = _words(
    r"(has|have) (been )?moved( to)?",
    r"(can|may) (now )?be found (here|at|on)",
    r"click here (to|for)",
    r"(please )?(see|read|view|visit) our .{0,40}(policy|notice|statement) (here|at|on)",
    r"you (are being|will be) redirected",
    r"(ist|wurde) umgezogen|finden sie (hier|unter)",
    r"a été déplacée|se trouve (ici|à l'adresse)|cliquez ici",
    r"se ha trasladado|haga clic aquí|haz clic aquí",
    r"è stata spostata|clicca qui",
    r"请点击|請點擊|こちらをご覧|こちらへ移動|여기를 클릭",
)

KIND_TERMS: dict[str, re.Pattern[str]] = {
    "privacy": _words(
        r"privacy|personal (data|information)|data protection|datenschutz|personenbezogen",
        r"données personnelles|confidentialité|vie privée|datos personales|privacidad",
        r"dados pessoais|privacidade|persoonsgegevens|dati personali|riservatezza",
        r"personuppgifter|personopplysninger|henkilötie|dane osobowe|prywatności",
        r"osobní údaje|kişisel veri|gizlilik|персональн|конфиденциальн|隐私|隱私|个人信息",
        r"個人情報|プライバシー|개인정보|個人資料",
        r"गोपनीयता|प्राइवेसी|निजता|व्यक्तिगत जानकारी|الخصوصية|البيانات الشخصية",
        r"حریم خصوصی|quyền riêng tư|bảo mật|privasi|osobních údajů|soukromí|osobných údajov",
        r"конфіденційн|απορρήτου|απόρρητο|προσωπικά δεδομένα|פרטיות|integritet|personvern",
        r"ความเป็นส่วนตัว|ข้อมูลส่วนบุคคล|confiden[tț]ialitate|date personale|adatvédel",
        r"személyes adat|privatliv|personoplysninger|persondata|tietosuoja|поверителност",
    ),
    "terms": _words(
        r"terms (of (use|service)|and conditions)|conditions of use|user agreement",
        r"nutzungsbedingungen|\bagb\b|allgemeine geschäftsbedingungen",
        r"conditions générales|términos (y condiciones|de uso)|termos (de uso|e condições)",
        r"algemene voorwaarden|condizioni (generali|d'uso)|利用規約|服务条款|服務條款|이용약관",
    ),
    "cookies": _words(r"cookie"),
}

# What every privacy policy talks about, one pattern per concept, in many languages.
# A page naming several distinct concepts reads as a policy; a news article or a
# shop page that mentions "privacy" once does not.
_PRIVACY_CONCEPTS: tuple[re.Pattern[str], ...] = (
    _words(
        r"\bcollect|erheb|sammeln|recueill|collect[eé]|recopil|recog[ie]|raccogli|verzamel",
        r"coletamos|coleta|przetwarza|zbiera|собира|收集|蒐集|収集|取得|수집|एकत्र|इकट्ठा|نجمع",
        r"toplar|toplam|جمع‌آوری|جمع آوری|thu thập|mengumpulkan|shromažď|збира|συλλέγ|אוספ",
        r"samlar in|samler inn|เก็บรวบรวม|colect|gyűjt|indsaml|kerää",
    ),
    _words(
        r"\buse\b|\busing\b|verwend|nutzen|utilis|usamos|utiliz|trattamento|gebruik|utilizamos",
        r"wykorzyst|использ|使用|利用|이용|उपयोग|इस्तेमाल|نستخدم",
        r"kullan|استفاده|sử dụng|menggunakan|používá|використ|χρησιμοποι|משתמש|använd",
        r"folosi|használ|bruger|bruker|käytä|ใช้ข้อมูล",
    ),
    _words(
        r"third[- ]part|share|disclos|weitergabe|dritte|tiers|terceros|terzi|derden|terceiros",
        r"przekazyw|третьим|第三方|第三者|제3자|提供|साझा|مشاركة",
        r"üçüncü|ثالث|bên thứ ba|pihak ketiga|třetím|третім|τρίτ|צד(דים)? שלישי|tredje ?part",
        r"บุคคลที่สาม|terț|terti|harmadik|kolmans",
    ),
    _words(
        r"cookie|tracking|analytics|web beacon|pixel|कुकी|ملفات تعريف الارتباط",
        r"çerez|کوکی|עוגיות|eväste|kakor|คุกกี้|süti|informasjonskapsl|бисквитк",
    ),
    _words(
        r"\bright(s)? to\b|your rights|access|rectif|delet|erase|ihre rechte|auskunft|löschung",
        r"vos droits|droit d'accès|derechos|acceso|diritti|rechten|direitos|prawo|prawa|прав|权利|權利",
        r"権利|開示|권리|열람|अधिकार|حقوق",
        r"hakkı|hakkına|حق دسترسی|quyền truy cập|berhak|právo|δικαίωμα|זכות|rätt att",
        r"สิทธิ|dreptul|joga van|ret til|oikeus|rett til",
    ),
    _words(
        r"retain|retention|stor(e|age)|keep|\bkept\b|purg|speicher|aufbewahr|conserv|almacen|bewaren",
        r"armazen|przechowyw|хран|保存|保留|保管|보관|보유",
        r"sakla|نگه می‌داریم|نگهداری|lưu trữ|menyimpan|uchováv|зберіга|διατηρ|שומרים",
        r"sparar|lagrer|เก็บรักษา|păstr|őriz|opbevar|säilytä",
    ),
    _words(
        r"secur|protect|sicherheit|schutz|sécurité|seguridad|sicurezza|beveilig|segurança",
        r"bezpiecze|безопасн|安全|보호|안전|सुरक्षा|أمان|حماية",
        r"koru|محافظت|bảo vệ|melindungi|chrání|захищ|προστατ|מגנים|הצפנה|skydda",
        r"beskytte|ปกป้อง|protej|védj|suojaa",
    ),
    _words(
        r"contact|e-?mail|kontakt|nous contacter|contacto|contatt|contacteer|contato|связ",
        r"联系|聯絡|お問い合わせ|問合せ|문의|연락|संपर्क|اتصل",
        r"e-posta|ایمیل|דוא|אימייל|e-post|อีเมล|sähköposti|електронн",
    ),
    _words(
        r"consent|einwillig|consentement|consentimiento|consenso|toestemming|consentimento",
        r"zgod|согласи|同意|동의|सहमति|موافقة",
    ),
    _words(
        r"\blaw|legal|gdpr|dsgvo|rgpd|ccpa|regulation|gesetz|loi\b|ley\b|legge|wet\b|lei\b",
        r"rodo|ustaw|закон|法律|法令|법령|법률|कानून|القانون",
    ),
    _words(
        r"personal (data|information)|personenbezogen|données personnelles|datos personales",
        r"dati personali|persoonsgegevens|dados pessoais|dane osobowe|danych osobowych",
        r"персональн|个人信息|個人資料|व्यक्तिगत जानकारी|البيانات الشخصية",
        r"個人情報|개인정보",
        r"kişisel veri|اطلاعات شخصی|dữ liệu cá nhân|data pribadi|osobní údaj|προσωπικ",
        r"מידע אישי|personuppgift|ข้อมูลส่วนบุคคล|date personale|személyes adat",
        r"personoplysning|henkilötie|personopplysning",
    ),
    # what a server records on its own (addresses, logs, diagnostics), however small the site
    _words(
        r"\bip[- ]address|\blog ?files?\b|\blogging\b|server logs?|diagnostic|browser type",
        r"IP-Adresse|adresse IP|dirección IP|indirizzo IP|IP-adres|endereço IP|adres IP|IP-адрес",
    ),
    # the choices a policy offers (opting out, switching a feature off, unsubscribing)
    _words(
        r"opt[- ]?(out|in)\b|unsubscrib|\bdisabled?\b|widerspruch|abmelden|désinscri|opposition",
        r"darse de baja|oposición|opporsi|afmelden|cancelar (a )?inscrição|отписат",
    ),
    _words(
        r"changes? to th|update[ds]? (to )?this|änderung|modification|modificacion|modifica",
        r"wijziging|alteraç|изменени|变更|更新|変更|변경",
    ),
)

# Headings that name a whole legal document, for pages that carry several of them.
_DOCUMENT_NAMES: dict[str, re.Pattern[str]] = {
    "privacy": _words(
        r"^(\S+\s){0,3}(privacy|data protection) (policy|notice|statement)$",
        r"^datenschutz(erklärung|hinweise|richtlinie)?$",
        r"^politique de (confidentialité|protection des données)",
        r"^pol[ií]tica de privacidad(e)?$|^informativa (sulla )?privacy$",
        r"^privacy(verklaring|beleid)$|^隐私政策$|^隱私權?政策$|^プライバシーポリシー$",
        r"^개인정보(처리)?방침$",
    ),
    "terms": _words(
        r"^(\S+\s){0,3}(terms (of (use|service)|and conditions)|user agreement)$",
        r"^(nutzungsbedingungen|agb)$|^conditions générales",
        r"^términos (y condiciones|de uso)$|^利用規約$|^服务条款$|^이용약관$",
    ),
    "cookies": _words(r"^(\S+\s){0,3}cookies? (policy|notice|statement)$"),
}
# Section headings that belong with the kind on a page of several documents.
_SECTION_TERMS: dict[str, re.Pattern[str]] = {
    "privacy": re.compile(
        KIND_TERMS["privacy"].pattern
        + r"|gdpr|rgpd|dsgvo|ccpa|data retention|personal information",
        re.IGNORECASE,
    ),
}
_ANY_DOCUMENT = _words(
    r"^(\S+\s){0,4}(policy|terms|notice|agreement|guidelines|statement)(\s\(.*\))?$",
    r"^(dmca|imprint|impressum|mentions légales|aviso legal)$",
)


def select_kind_section(blocks: Sequence[Block], kind: str) -> list[Block]:
    """On a page holding several legal documents as sections (terms, privacy, DMCA...),
    keep the sections that belong to the requested kind; any other page stays whole."""
    blocks = list(blocks)
    names = _DOCUMENT_NAMES.get(kind)
    if names is None or not blocks:
        return blocks
    title = blocks[0].text if blocks[0].kind == HEADING and blocks[0].level == 1 else ""
    if title and KIND_TERMS[kind].search(title):
        return blocks  # the page as a whole is the requested document
    headings = [(i, b) for i, b in enumerate(blocks) if b.kind == HEADING and b.level > 1]
    # The level at which a section is named like a whole document of this kind.
    level = next((b.level for _, b in headings if names.search(b.text)), None)
    if level is None:
        return blocks
    sections = [(i, b) for i, b in headings if b.level == level]
    related = _SECTION_TERMS.get(kind, KIND_TERMS[kind])
    others = [b for _, b in sections if _ANY_DOCUMENT.search(b.text) and not related.search(b.text)]
    if not others:
        return blocks  # sections of one policy, not several documents
    kept: list[Block] = blocks[:1] if title else []
    for position, (start, heading) in enumerate(sections):
        if not related.search(heading.text):
            continue
        end = sections[position + 1][0] if position + 1 < len(sections) else None
        end = next(
            (i for i, b in headings if start < i < (end or len(blocks)) and b.level < level), end
        )
        kept.extend(blocks[start:end])
    return kept


def check_policy(
    extracted: Extracted, kind: str, url: str | None = None, domain: str | None = None
) -> str | None:
    """None when the text reads as a `kind` policy, else the reason it does not. `domain`
    is the site crawled, when `url` may lie on another one (a group's shared policy)."""
    blocks = extracted.blocks
    text = extracted.text
    if not text.strip():
        return "empty"
    words = len(text.split())
    cjk = len(_CJK.findall(text))
    size = words + cjk // 2  # two CJK characters carry about a word
    head = " ".join([extracted.title, *(b.content for b in blocks[:8])])
    short = size <= WALL_MAX_WORDS

    if _ARCHIVE_ERROR.search(head):
        return "archive_error"
    if short and _PARKED.search(text):
        return "parked_domain"
    if _registrar_policy(extracted, text, url) or _parking_policy(url, domain):
        return "parked_domain"
    if short and _NOT_FOUND.search(head):
        return "not_found_page"
    if short and (_LOGIN.search(text) or extracted.has_password_field):
        return "login_wall"
    if short and _COOKIE_WALL.search(text):
        return "cookie_wall"
    if short and _JAVASCRIPT.search(text):
        return "javascript_required"
    if short and _COMING_SOON.search(head):
        return "coming_soon"
    headings = " ".join([extracted.title, *(b.text for b in blocks if b.kind == HEADING)])
    reads = _reads_as(kind, headings, text)
    if short:  # only a short page can be a pointer: a long text is not searched for one
        pointer = _LINK_ONLY.search(text) and (size <= LINK_ONLY_MAX_WORDS or not reads)
        if pointer or extracted.link_share > LINK_ONLY_SHARE:
            return "link_only"
    if words < MIN_WORDS and cjk < MIN_CJK_CHARS:
        return "too_short"
    if not reads:
        return "homepage" if _is_root(url) else f"not_{kind}_policy"
    return None


def _reads_as(kind: str, headings: str, text: str) -> bool:
    """The kind is named in the title or a heading (or often in the text), and the text
    covers several of the kind's concepts: an article about privacy is not a policy."""
    text = text[:CHECK_SAMPLE_CHARS]
    terms = KIND_TERMS[kind]
    named = bool(terms.search(headings)) or len(terms.findall(text)) >= 3
    if not named:
        return False
    if kind != "privacy":
        return True
    concepts = sum(1 for concept in _PRIVACY_CONCEPTS if concept.search(text))
    return concepts >= MIN_CONCEPTS


def _registrar_policy(extracted: Extracted, text: str, url: str | None) -> bool:
    """A registrar's or parking company's own policy served on someone else's domain."""
    if not url:
        return False
    name = _site_name(url)
    if not name or _REGISTRARS.search(name):
        return False  # the registrar's own site publishes its own policy, rightly
    head = " ".join([extracted.title, *(b.content for b in extracted.blocks[:3])])
    if not _REGISTRARS.search(head):
        return False
    # A small business may name its host in its policy; it still names itself.
    return name.replace("-", "") not in text.lower().replace("-", "").replace(" ", "")


# A path or query naming parked pages (`privacy_parkedpage`, `/parking/privacy`): the policy
# a registrar or parking service shows for domains it parks, not the parked site's own.
_PARKING_ADDRESS = re.compile(r"(?<![a-z])park(ed|ing)", re.IGNORECASE)


def _parking_policy(url: str | None, domain: str | None) -> bool:
    """A policy on another site than the one crawled whose address says it is the policy
    of parked domains: the site had none of its own then."""
    if not url or not domain:
        return False
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host == domain or host.endswith("." + domain):
        return False  # a site's own pages about parking (a car park's policy) are its own
    return bool(_PARKING_ADDRESS.search(unquote(f"{parts.path}?{parts.query}")))


_SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or"}


def _site_name(url: str) -> str:
    """The label a site is named by: `tinkerparts` in shop.tinkerparts.co.uk."""
    labels = (urlsplit(url).hostname or "").lower().split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else (labels[0] if labels else "")


def _is_root(url: str | None) -> bool:
    if not url:
        return False
    parts = urlsplit(url)
    return parts.path in ("", "/") or parts.path.lower() in ("/index.html", "/index.php")
