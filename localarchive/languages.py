"""Small sites in the most used languages of the web, as their owners write them: the
policy at the address the language usually gives it, linked from the homepage's footer
under the usual anchor text, among the footer's other links.

Each language's policy says what a small site's policy says (what is collected, what
for, cookies, rights, how long it is kept), in that language; `{brand}` and `{email}`
are filled in per site.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True, slots=True)
class SiteLanguage:
    lang: str
    path: str  # the policy's address on the site
    anchor: str  # the footer link's text
    title: str  # the policy page's heading
    policy: tuple[str, ...]  # its paragraphs
    welcome: str  # the homepage's one line
    footer: tuple[str, str, str]  # the footer's other links: about, contact, terms


# fmt: off
LANGUAGES: tuple[SiteLanguage, ...] = (
    SiteLanguage(
        "en", "/privacy-policy", "Privacy Policy", "Privacy Policy",
        ("{brand} collects your name and email address when you create an account or "
         "write to us.",
         "We use this personal information only to provide our service and never sell it "
         "to third parties.",
         "Our website uses cookies to remember your settings; you can disable them in your "
         "browser.",
         "You have the right to access, correct and delete your data. Write to {email}.",
         "We keep your data for two years and protect it with encryption."),
        "Welcome to {brand}, handmade goods since 1998.", ("About us", "Contact", "Terms of Use"),
    ),
    SiteLanguage(
        "es", "/politica-de-privacidad", "Política de privacidad", "Política de privacidad",
        ("{brand} recopila su nombre y su dirección de correo electrónico cuando crea una "
         "cuenta o nos escribe.",
         "Utilizamos estos datos personales solo para prestar nuestro servicio y nunca los "
         "vendemos a terceros.",
         "Nuestro sitio web utiliza cookies para recordar sus preferencias; puede "
         "desactivarlas en su navegador.",
         "Tiene derecho a acceder, rectificar y suprimir sus datos. Escríbanos a {email}.",
         "Conservamos sus datos durante dos años y los protegemos con cifrado."),
        "Bienvenido a {brand}, artesanía desde 1998.",
        ("Quiénes somos", "Contacto", "Términos y condiciones"),
    ),
    SiteLanguage(
        "de", "/datenschutzerklaerung", "Datenschutzerklärung", "Datenschutzerklärung",
        ("{brand} erhebt Ihren Namen und Ihre E-Mail-Adresse, wenn Sie ein Konto anlegen "
         "oder uns schreiben.",
         "Wir verwenden diese personenbezogenen Daten nur, um unseren Dienst zu erbringen, "
         "und geben sie nie an Dritte weiter.",
         "Unsere Website verwendet Cookies, um Ihre Einstellungen zu speichern; Sie können "
         "sie in Ihrem Browser deaktivieren.",
         "Sie haben das Recht auf Auskunft, Berichtigung und Löschung Ihrer Daten. "
         "Schreiben Sie an {email}.",
         "Wir speichern Ihre Daten zwei Jahre lang und schützen sie durch Verschlüsselung."),
        "Willkommen bei {brand}, Handarbeit seit 1998.", ("Über uns", "Kontakt", "AGB"),
    ),
    SiteLanguage(
        "ja", "/privacy-policy", "プライバシーポリシー", "プライバシーポリシー",
        ("{brand}は、アカウントの作成時やお問い合わせの際に、お客様の氏名とメールアドレスを"
         "収集します。",
         "当社はこれらの個人情報をサービスの提供のためにのみ利用し、第三者に販売することは"
         "ありません。",
         "当サイトでは設定を記憶するためにクッキーを使用しています。ブラウザの設定で無効に"
         "することができます。",
         "お客様はご自身の個人情報の開示、訂正、削除を求める権利があります。{email}までご"
         "連絡ください。",
         "個人情報は二年間保管し、暗号化によって安全に保護します。"),
        "{brand}へようこそ。一九九八年から手作りの品をお届けしています。",
        ("会社概要", "お問い合わせ", "利用規約"),
    ),
    SiteLanguage(
        "fr", "/politique-de-confidentialite", "Politique de confidentialité",
        "Politique de confidentialité",
        ("{brand} recueille votre nom et votre adresse e-mail lorsque vous créez un compte "
         "ou nous écrivez.",
         "Nous utilisons ces données personnelles uniquement pour fournir notre service et "
         "ne les vendons jamais à des tiers.",
         "Notre site utilise des cookies pour mémoriser vos préférences ; vous pouvez les "
         "désactiver dans votre navigateur.",
         "Vous disposez d'un droit d'accès, de rectification et d'effacement de vos données. "
         "Écrivez-nous à {email}.",
         "Nous conservons vos données pendant deux ans et les protégeons par chiffrement."),
        "Bienvenue chez {brand}, artisanat depuis 1998.",
        ("Qui sommes-nous", "Contact", "Conditions générales"),
    ),
    SiteLanguage(
        "ru", "/politika-konfidencialnosti", "Политика конфиденциальности",
        "Политика конфиденциальности",
        ("{brand} собирает ваше имя и адрес электронной почты, когда вы создаёте учётную "
         "запись или пишете нам.",
         "Мы используем эти персональные данные только для оказания услуг и никогда не "
         "продаём их третьим лицам.",
         "Наш сайт использует файлы cookie, чтобы запоминать ваши настройки; вы можете "
         "отключить их в браузере.",
         "Вы имеете право на доступ к своим данным, их исправление и удаление. Пишите нам "
         "на {email}.",
         "Мы храним ваши данные два года и защищаем их с помощью шифрования."),
        "Добро пожаловать в {brand}, ручная работа с 1998 года.",
        ("О нас", "Контакты", "Пользовательское соглашение"),
    ),
    SiteLanguage(
        "pt", "/politica-de-privacidade", "Política de Privacidade", "Política de Privacidade",
        ("A {brand} coleta o seu nome e o seu endereço de e-mail quando você cria uma conta "
         "ou nos escreve.",
         "Usamos esses dados pessoais apenas para prestar o nosso serviço e nunca os "
         "vendemos a terceiros.",
         "O nosso site utiliza cookies para lembrar as suas preferências; você pode "
         "desativá-los no seu navegador.",
         "Você tem o direito de acessar, corrigir e excluir os seus dados. Escreva para "
         "{email}.",
         "Guardamos os seus dados por dois anos e os protegemos com criptografia."),
        "Bem-vindo à {brand}, artesanato desde 1998.",
        ("Quem somos", "Contato", "Termos de Uso"),
    ),
    SiteLanguage(
        "it", "/informativa-privacy", "Informativa sulla privacy", "Informativa sulla privacy",
        ("{brand} raccoglie il suo nome e il suo indirizzo e-mail quando crea un account o "
         "ci scrive.",
         "Utilizziamo questi dati personali solo per fornire il nostro servizio e non li "
         "vendiamo mai a terzi.",
         "Il nostro sito utilizza i cookie per ricordare le sue preferenze; può "
         "disattivarli nel suo browser.",
         "Ha il diritto di accedere ai suoi dati, di rettificarli e di cancellarli. Ci "
         "scriva a {email}.",
         "Conserviamo i suoi dati per due anni e li proteggiamo con la crittografia."),
        "Benvenuti da {brand}, artigianato dal 1998.",
        ("Chi siamo", "Contatti", "Termini e condizioni"),
    ),
    SiteLanguage(
        "tr", "/gizlilik-politikasi", "Gizlilik Politikası", "Gizlilik Politikası",
        ("{brand}, bir hesap oluşturduğunuzda veya bize yazdığınızda adınızı ve e-posta "
         "adresinizi toplar.",
         "Bu kişisel verileri yalnızca hizmetimizi sunmak için kullanırız ve asla üçüncü "
         "taraflara satmayız.",
         "Web sitemiz ayarlarınızı hatırlamak için çerezler kullanır; bunları "
         "tarayıcınızdan devre dışı bırakabilirsiniz.",
         "Verilerinize erişme, bunları düzeltme ve silme hakkına sahipsiniz. {email} "
         "adresine yazın.",
         "Verilerinizi iki yıl saklarız ve şifreleme ile koruruz."),
        "{brand} sitesine hoş geldiniz, 1998'den beri el yapımı ürünler.",
        ("Hakkımızda", "İletişim", "Kullanım Koşulları"),
    ),
    SiteLanguage(
        "nl", "/privacyverklaring", "Privacyverklaring", "Privacyverklaring",
        ("{brand} verzamelt uw naam en e-mailadres wanneer u een account aanmaakt of ons "
         "schrijft.",
         "Wij gebruiken deze persoonsgegevens alleen om onze dienst te leveren en verkopen "
         "ze nooit aan derden.",
         "Onze website gebruikt cookies om uw voorkeuren te onthouden; u kunt ze in uw "
         "browser uitschakelen.",
         "U hebt het recht uw gegevens in te zien, te corrigeren en te laten verwijderen. "
         "Schrijf naar {email}.",
         "Wij bewaren uw gegevens twee jaar en beveiligen ze met versleuteling."),
        "Welkom bij {brand}, handwerk sinds 1998.",
        ("Over ons", "Contact", "Algemene voorwaarden"),
    ),
    SiteLanguage(
        "pl", "/polityka-prywatnosci", "Polityka prywatności", "Polityka prywatności",
        ("{brand} zbiera Twoje imię i adres e-mail, gdy zakładasz konto lub do nas piszesz.",
         "Wykorzystujemy te dane osobowe wyłącznie do świadczenia naszej usługi i nigdy "
         "nie sprzedajemy ich podmiotom trzecim.",
         "Nasza strona używa plików cookie, aby zapamiętać Twoje ustawienia; możesz je "
         "wyłączyć w przeglądarce.",
         "Masz prawo dostępu do swoich danych, ich poprawiania i usunięcia. Napisz na "
         "{email}.",
         "Przechowujemy Twoje dane przez dwa lata i chronimy je szyfrowaniem."),
        "Witamy w {brand}, rękodzieło od 1998 roku.", ("O nas", "Kontakt", "Regulamin"),
    ),
    SiteLanguage(
        "zh", "/yinsizhengce", "隐私政策", "隐私政策",
        ("当您注册账户或与我们联系时，{brand}会收集您的姓名和电子邮件地址。",
         "我们仅将这些个人信息用于提供我们的服务，绝不会将其出售给第三方。",
         "我们的网站使用Cookie来记住您的设置，您可以在浏览器中停用Cookie。",
         "您有权访问、更正和删除您的个人信息。请发送电子邮件至{email}与我们联系。",
         "我们将您的数据保存两年，并通过加密措施保护其安全。",
         "如本政策有任何变更，我们会在本页面公布更新后的版本。"),
        "欢迎来到{brand}，自一九九八年以来的手工制品。", ("关于我们", "联系我们", "服务条款"),
    ),
    SiteLanguage(
        "fa", "/حریم-خصوصی", "حریم خصوصی", "سیاست حفظ حریم خصوصی",
        ("{brand} هنگام ساخت حساب کاربری یا نوشتن پیام، نام و نشانی ایمیل شما را جمع‌آوری "
         "می‌کند.",
         "ما از این اطلاعات شخصی فقط برای ارائه خدمات خود استفاده می‌کنیم و هرگز آن‌ها را "
         "به اشخاص ثالث نمی‌فروشیم.",
         "وب‌سایت ما برای به خاطر سپردن تنظیمات شما از کوکی‌ها استفاده می‌کند؛ می‌توانید "
         "آن‌ها را در مرورگر خود غیرفعال کنید.",
         "شما حق دسترسی، اصلاح و حذف داده‌های خود را دارید. به {email} بنویسید.",
         "ما داده‌های شما را دو سال نگه می‌داریم و با رمزگذاری از آن‌ها محافظت می‌کنیم."),
        "به {brand} خوش آمدید، صنایع دستی از سال ۱۹۹۸.", ("درباره ما", "تماس با ما", "قوانین و مقررات"),
    ),
    SiteLanguage(
        "vi", "/chinh-sach-bao-mat", "Chính sách bảo mật", "Chính sách bảo mật",
        ("{brand} thu thập tên và địa chỉ email của bạn khi bạn tạo tài khoản hoặc liên hệ "
         "với chúng tôi.",
         "Chúng tôi chỉ sử dụng dữ liệu cá nhân này để cung cấp dịch vụ và không bao giờ "
         "bán cho bên thứ ba.",
         "Trang web của chúng tôi sử dụng cookie để ghi nhớ cài đặt của bạn; bạn có thể tắt "
         "cookie trong trình duyệt.",
         "Bạn có quyền truy cập, chỉnh sửa và xóa dữ liệu của mình. Hãy viết thư cho "
         "{email}.",
         "Chúng tôi lưu trữ dữ liệu của bạn trong hai năm và bảo vệ bằng mã hóa."),
        "Chào mừng đến với {brand}, hàng thủ công từ năm 1998.",
        ("Giới thiệu", "Liên hệ", "Điều khoản sử dụng"),
    ),
    SiteLanguage(
        "id", "/kebijakan-privasi", "Kebijakan Privasi", "Kebijakan Privasi",
        ("{brand} mengumpulkan nama dan alamat email Anda saat Anda membuat akun atau "
         "menghubungi kami.",
         "Kami menggunakan data pribadi ini hanya untuk menyediakan layanan kami dan tidak "
         "pernah menjualnya kepada pihak ketiga.",
         "Situs web kami menggunakan cookie untuk mengingat pengaturan Anda; Anda dapat "
         "menonaktifkannya di browser Anda.",
         "Anda berhak mengakses, memperbaiki, dan menghapus data Anda. Tulis ke {email}.",
         "Kami menyimpan data Anda selama dua tahun dan melindunginya dengan enkripsi."),
        "Selamat datang di {brand}, kerajinan tangan sejak 1998.",
        ("Tentang kami", "Kontak", "Syarat dan Ketentuan"),
    ),
    SiteLanguage(
        "ko", "/privacy", "개인정보처리방침", "개인정보처리방침",
        ("{brand}는 회원 가입 또는 문의 시 이용자의 이름과 이메일 주소를 수집합니다.",
         "수집한 개인정보는 서비스 제공을 위해서만 이용하며 제3자에게 판매하지 않습니다.",
         "당사 웹사이트는 설정을 기억하기 위해 쿠키를 사용하며, 이용자는 브라우저에서 쿠키를 "
         "거부할 수 있습니다.",
         "이용자는 언제든지 자신의 개인정보를 열람, 정정, 삭제할 권리가 있습니다. {email}로 "
         "문의해 주십시오.",
         "개인정보는 2년간 보관하며 암호화하여 안전하게 보호합니다."),
        "{brand}에 오신 것을 환영합니다. 1998년부터 수제품을 만들고 있습니다.",
        ("회사 소개", "고객센터", "이용약관"),
    ),
    SiteLanguage(
        "cs", "/ochrana-osobnich-udaju", "Ochrana osobních údajů", "Zásady ochrany osobních údajů",
        ("{brand} shromažďuje vaše jméno a e-mailovou adresu, když si založíte účet nebo "
         "nám napíšete.",
         "Tyto osobní údaje používáme pouze k poskytování naší služby a nikdy je "
         "neprodáváme třetím stranám.",
         "Naše stránky používají soubory cookies k zapamatování vašeho nastavení; v "
         "prohlížeči je můžete vypnout.",
         "Máte právo na přístup ke svým údajům, jejich opravu a výmaz. Napište nám na "
         "{email}.",
         "Vaše údaje uchováváme dva roky a chráníme je šifrováním."),
        "Vítejte v {brand}, ruční výroba od roku 1998.",
        ("O nás", "Kontakt", "Obchodní podmínky"),
    ),
    SiteLanguage(
        "ar", "/سياسة-الخصوصية", "سياسة الخصوصية", "سياسة الخصوصية",
        ("تجمع {brand} اسمك وعنوان بريدك الإلكتروني عند إنشاء حساب أو مراسلتنا.",
         "نستخدم هذه البيانات الشخصية فقط لتقديم خدماتنا ولا نبيعها أبدا لأطراف ثالثة.",
         "يستخدم موقعنا ملفات تعريف الارتباط لتذكر إعداداتك، ويمكنك تعطيلها من متصفحك.",
         "يحق لك الوصول إلى بياناتك وتصحيحها وحذفها. راسلنا على {email}.",
         "نحتفظ ببياناتك لمدة عامين ونحميها بالتشفير."),
        "مرحبا بكم في {brand}، منتجات يدوية منذ عام 1998.",
        ("من نحن", "اتصل بنا", "الشروط والأحكام"),
    ),
    SiteLanguage(
        "uk", "/polityka-konfidentsiinosti", "Політика конфіденційності",
        "Політика конфіденційності",
        ("{brand} збирає ваше ім'я та адресу електронної пошти, коли ви створюєте обліковий "
         "запис або пишете нам.",
         "Ми використовуємо ці персональні дані лише для надання наших послуг і ніколи не "
         "продаємо їх третім особам.",
         "Наш сайт використовує файли cookie, щоб запам'ятовувати ваші налаштування; ви "
         "можете вимкнути їх у браузері.",
         "Ви маєте право на доступ до своїх даних, їх виправлення та видалення. Пишіть нам "
         "на {email}.",
         "Ми зберігаємо ваші дані два роки та захищаємо їх за допомогою шифрування."),
        "Ласкаво просимо до {brand}, ручна робота з 1998 року.",
        ("Про нас", "Контакти", "Умови використання"),
    ),
    SiteLanguage(
        "el", "/politiki-aporritou", "Πολιτική απορρήτου", "Πολιτική απορρήτου",
        ("Η {brand} συλλέγει το όνομα και τη διεύθυνση email σας όταν δημιουργείτε "
         "λογαριασμό ή μας γράφετε.",
         "Χρησιμοποιούμε αυτά τα προσωπικά δεδομένα μόνο για να παρέχουμε την υπηρεσία μας "
         "και δεν τα πουλάμε ποτέ σε τρίτους.",
         "Ο ιστότοπός μας χρησιμοποιεί cookies για να θυμάται τις ρυθμίσεις σας· μπορείτε "
         "να τα απενεργοποιήσετε στο πρόγραμμα περιήγησης.",
         "Έχετε δικαίωμα πρόσβασης, διόρθωσης και διαγραφής των δεδομένων σας. Γράψτε μας "
         "στο {email}.",
         "Διατηρούμε τα δεδομένα σας για δύο χρόνια και τα προστατεύουμε με κρυπτογράφηση."),
        "Καλώς ήρθατε στην {brand}, χειροποίητα από το 1998.",
        ("Σχετικά με εμάς", "Επικοινωνία", "Όροι χρήσης"),
    ),
    SiteLanguage(
        "he", "/privacy", "מדיניות פרטיות", "מדיניות פרטיות",
        ("{brand} אוספת את שמך ואת כתובת הדוא\"ל שלך כאשר אתה פותח חשבון או כותב אלינו.",
         "אנו משתמשים במידע אישי זה רק כדי לספק את השירות שלנו ולעולם איננו מוכרים אותו "
         "לצדדים שלישיים.",
         "האתר שלנו משתמש בעוגיות כדי לזכור את ההגדרות שלך; ניתן לבטל אותן בדפדפן.",
         "יש לך זכות לעיין במידע שלך, לתקן אותו ולמחוק אותו. כתבו אלינו לכתובת {email}.",
         "אנו שומרים את המידע שלך במשך שנתיים ומגנים עליו בהצפנה."),
        "ברוכים הבאים ל-{brand}, עבודת יד מאז 1998.", ("אודות", "צור קשר", "תנאי שימוש"),
    ),
    SiteLanguage(
        "sv", "/integritetspolicy", "Integritetspolicy", "Integritetspolicy",
        ("{brand} samlar in ditt namn och din e-postadress när du skapar ett konto eller "
         "skriver till oss.",
         "Vi använder dessa personuppgifter endast för att tillhandahålla vår tjänst och "
         "säljer dem aldrig till tredje part.",
         "Vår webbplats använder kakor (cookies) för att komma ihåg dina inställningar; du "
         "kan stänga av dem i din webbläsare.",
         "Du har rätt att få tillgång till, rätta och radera dina uppgifter. Skriv till "
         "{email}.",
         "Vi sparar dina uppgifter i två år och skyddar dem med kryptering."),
        "Välkommen till {brand}, hantverk sedan 1998.", ("Om oss", "Kontakt", "Villkor"),
    ),
    SiteLanguage(
        "th", "/privacy-policy", "นโยบายความเป็นส่วนตัว", "นโยบายความเป็นส่วนตัว",
        ("{brand} เก็บรวบรวมชื่อและที่อยู่อีเมลของคุณเมื่อคุณสร้างบัญชีหรือติดต่อเรา",
         "เราใช้ข้อมูลส่วนบุคคลนี้เพื่อให้บริการของเราเท่านั้น และจะไม่ขายให้แก่บุคคลที่สาม",
         "เว็บไซต์ของเราใช้คุกกี้เพื่อจดจำการตั้งค่าของคุณ คุณสามารถปิดการใช้งานคุกกี้ได้ในเบราว์เซอร์",
         "คุณมีสิทธิ์เข้าถึง แก้ไข และลบข้อมูลของคุณ โปรดติดต่อ {email}",
         "เราจะเก็บรักษาข้อมูลของคุณเป็นเวลาสองปีและปกป้องด้วยการเข้ารหัส"),
        "ยินดีต้อนรับสู่ {brand} งานฝีมือตั้งแต่ปี 1998", ("เกี่ยวกับเรา", "ติดต่อเรา", "ข้อกำหนดและเงื่อนไข"),
    ),
    SiteLanguage(
        "ro", "/politica-de-confidentialitate", "Politica de confidențialitate",
        "Politica de confidențialitate",
        ("{brand} colectează numele și adresa dumneavoastră de e-mail atunci când vă creați "
         "un cont sau ne scrieți.",
         "Folosim aceste date personale numai pentru a furniza serviciul nostru și nu le "
         "vindem niciodată terților.",
         "Site-ul nostru folosește cookie-uri pentru a vă reține setările; le puteți "
         "dezactiva din browser.",
         "Aveți dreptul de acces, rectificare și ștergere a datelor dumneavoastră. Scrieți-ne "
         "la {email}.",
         "Păstrăm datele dumneavoastră timp de doi ani și le protejăm prin criptare."),
        "Bine ați venit la {brand}, produse handmade din 1998.",
        ("Despre noi", "Contact", "Termeni și condiții"),
    ),
    SiteLanguage(
        "hu", "/adatvedelmi-nyilatkozat", "Adatvédelmi nyilatkozat", "Adatvédelmi nyilatkozat",
        ("A {brand} összegyűjti az Ön nevét és e-mail-címét, amikor fiókot hoz létre vagy "
         "ír nekünk.",
         "Ezeket a személyes adatokat kizárólag szolgáltatásunk nyújtására használjuk, és "
         "soha nem adjuk el harmadik félnek.",
         "Weboldalunk sütiket (cookie-kat) használ a beállítások megjegyzésére; ezeket a "
         "böngészőben kikapcsolhatja.",
         "Önnek joga van adataihoz hozzáférni, azokat helyesbíteni és töröltetni. Írjon a "
         "{email} címre.",
         "Adatait két évig őrizzük meg, és titkosítással védjük."),
        "Üdvözöljük a {brand} oldalán, kézműves termékek 1998 óta.",
        ("Rólunk", "Kapcsolat", "Felhasználási feltételek"),
    ),
    SiteLanguage(
        "da", "/privatlivspolitik", "Privatlivspolitik", "Privatlivspolitik",
        ("{brand} indsamler dit navn og din e-mailadresse, når du opretter en konto eller "
         "skriver til os.",
         "Vi bruger kun disse personoplysninger til at levere vores tjeneste og sælger dem "
         "aldrig til tredjepart.",
         "Vores hjemmeside bruger cookies til at huske dine indstillinger; du kan slå dem "
         "fra i din browser.",
         "Du har ret til indsigt i, berigtigelse og sletning af dine oplysninger. Skriv til "
         "{email}.",
         "Vi opbevarer dine oplysninger i to år og beskytter dem med kryptering."),
        "Velkommen til {brand}, håndværk siden 1998.", ("Om os", "Kontakt", "Handelsbetingelser"),
    ),
    SiteLanguage(
        "fi", "/tietosuojaseloste", "Tietosuojaseloste", "Tietosuojaseloste",
        ("{brand} kerää nimesi ja sähköpostiosoitteesi, kun luot tilin tai kirjoitat meille.",
         "Käytämme näitä henkilötietoja vain palvelumme tarjoamiseen emmekä koskaan myy "
         "niitä kolmansille osapuolille.",
         "Sivustomme käyttää evästeitä asetustesi muistamiseen; voit poistaa ne käytöstä "
         "selaimessasi.",
         "Sinulla on oikeus tarkastaa, oikaista ja poistaa tietosi. Kirjoita osoitteeseen "
         "{email}.",
         "Säilytämme tietojasi kaksi vuotta ja suojaamme ne salauksella."),
        "Tervetuloa {brand}-kauppaan, käsityötä vuodesta 1998.",
        ("Tietoa meistä", "Yhteystiedot", "Käyttöehdot"),
    ),
    SiteLanguage(
        "no", "/personvern", "Personvernerklæring", "Personvernerklæring",
        ("{brand} samler inn navnet ditt og e-postadressen din når du oppretter en konto "
         "eller skriver til oss.",
         "Vi bruker disse personopplysningene bare til å levere tjenesten vår og selger dem "
         "aldri til tredjeparter.",
         "Nettstedet vårt bruker informasjonskapsler (cookies) for å huske innstillingene "
         "dine; du kan slå dem av i nettleseren.",
         "Du har rett til innsyn i, retting og sletting av opplysningene dine. Skriv til "
         "{email}.",
         "Vi lagrer opplysningene dine i to år og beskytter dem med kryptering."),
        "Velkommen til {brand}, håndverk siden 1998.", ("Om oss", "Kontakt", "Vilkår"),
    ),
    SiteLanguage(
        "hi", "/privacy-policy", "गोपनीयता नीति", "गोपनीयता नीति",
        ("जब आप खाता बनाते हैं या हमें लिखते हैं, तब {brand} आपका नाम और ईमेल पता एकत्र करता है।",
         "हम इस व्यक्तिगत जानकारी का उपयोग केवल अपनी सेवा प्रदान करने के लिए करते हैं और इसे "
         "कभी भी तीसरे पक्ष को नहीं बेचते।",
         "हमारी वेबसाइट आपकी सेटिंग्स याद रखने के लिए कुकी का उपयोग करती है; आप इन्हें अपने "
         "ब्राउज़र में बंद कर सकते हैं।",
         "आपको अपने डेटा तक पहुँचने, उसे सुधारने और हटाने का अधिकार है। {email} पर लिखें।",
         "हम आपका डेटा दो वर्षों तक रखते हैं और एन्क्रिप्शन से उसकी सुरक्षा करते हैं।"),
        "{brand} में आपका स्वागत है, 1998 से हस्तनिर्मित सामान।",
        ("हमारे बारे में", "संपर्क करें", "नियम और शर्तें"),
    ),
)
# fmt: on


def policy_page(language: SiteLanguage, brand: str, email: str, year: str) -> bytes:
    """The policy page of a small site: header, the policy, footer."""
    paragraphs = "\n".join(
        f"<p>{escape(p.format(brand=brand, email=email))}</p>" for p in language.policy
    )
    return _page(
        language,
        brand,
        f"{language.title} | {brand}",
        f"<article><h1>{escape(language.title)}</h1>\n{paragraphs}\n</article>",
        year,
        language.path,
    ).encode("utf-8")


def home_page(
    language: SiteLanguage, brand: str, year: str, policy_href: str, anchor: str | None = None
) -> bytes:
    """A homepage whose footer links to the policy among the site's other pages."""
    welcome = escape(language.welcome.format(brand=brand))
    main = f"<h1>{escape(brand)}</h1><p>{welcome}</p>"
    return _page(language, brand, brand, main, year, policy_href, anchor).encode("utf-8")


def _page(
    language: SiteLanguage,
    brand: str,
    title: str,
    main: str,
    year: str,
    policy_href: str,
    anchor: str | None = None,
) -> str:
    about, contact, terms = (escape(label) for label in language.footer)
    direction = ' dir="rtl"' if language.lang in ("ar", "fa", "he") else ""
    return f"""<!DOCTYPE html>
<html lang="{language.lang}"{direction}><head><meta charset="utf-8"><title>{escape(title)}</title></head>
<body>
<header><a href="/">{escape(brand)}</a>
<nav><ul><li><a href="/about">{about}</a></li><li><a href="/contact">{contact}</a></li></ul></nav></header>
<main>{main}</main>
<footer><p>&copy; {year} {escape(brand)}</p>
<ul><li><a href="/about">{about}</a></li><li><a href="/contact">{contact}</a></li>
<li><a href="/terms">{terms}</a></li>
<li><a href="{escape(policy_href)}">{escape(anchor or language.anchor)}</a></li></ul></footer>
</body></html>
"""
