"""A labelled set of reprints and hard negatives, generated (no third-party text).

Families: an original press item and its reposts by other outlets, each repost made
with the edits outlets make: headline rewritten, lead swapped for an attribution line
(«Как сообщили в пресс-службе…»), tail cut, a paragraph dropped, a promo line
appended, a few words changed, hours to days later.  Hard negatives, each its own
family: follow-ups that quote one paragraph of an earlier story («Напомним, …»),
stories of the same topic on the same day (shared topic words and stock phrases),
and template-like official notices about different events (the same sentences with
another date, address, school and name).

The text is synthetic Russian from benchmarks/corpus.py's vocabulary (real word forms,
Zipf-like frequencies), with stock phrases, names and numbers as news text has them.
`labelled(seed)` is deterministic: benchmarks/reprints.py tunes on one seed (dev) and
reports another (held-out) it was never tuned on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate

from corpus import MSK, vocabulary

SOURCES = ["vpravda", "v1", "v102", "obraz", "volgograd24", "bloknot", "kp34", "riac34",
           "vlg-media", "mk34", "vestivolga", "infovolga"]
FIRST = ["Андрей", "Ирина", "Сергей", "Елена", "Алексей", "Наталья", "Дмитрий", "Ольга",
         "Михаил", "Татьяна", "Владимир", "Светлана", "Николай", "Марина", "Павел", "Юлия"]
SURNAME = ["Бочар", "Петр", "Смирн", "Кузнецк", "Волк", "Лебед", "Соколь", "Морозк", "Орл",
           "Жук", "Гром", "Белк", "Зайц", "Комар", "Медвед", "Ершк", "Сомк", "Карп"]
ORGS = ["комитета образования, науки и молодежной политики Волгоградской области",
        "администрации Волгограда", "городского департамента по образованию",
        "регионального министерства здравоохранения", "ГУ МЧС по Волгоградской области",
        "облизбиркома", "Волгоградской областной думы", "управления Роспотребнадзора"]
PLACES = ["Волгограде", "Волжском", "Камышине", "Михайловке", "Урюпинске", "Фролове",
          "Калаче-на-Дону", "Котельникове", "Дубовке", "Палласовке"]
STREETS = ["Ленина", "Мира", "Советской", "Рабоче-Крестьянской", "Землячки", "Хиросимы",
           "Козловской", "Маршала Жукова", "Качинцев", "Историческая"]
MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
          "сентября", "октября", "ноября", "декабря"]
STOCK = ["в рамках национального проекта «Образование»", "по поручению губернатора",
         "в текущем учебном году", "как отметили в ведомстве", "по словам специалистов",
         "в ближайшее время", "на территории региона", "в соответствии с планом",
         "работы будут завершены до конца года", "по данным регионального ведомства",
         "в целях обеспечения безопасности", "подробности уточняются",
         "об этом сообщает пресс-служба", "в Волгоградской области"]
PROMO = ["Подписывайтесь на наш канал в Telegram, чтобы первыми узнавать главные новости.",
         "Больше новостей — в нашей группе ВКонтакте.",
         "Читайте также другие материалы рубрики «Образование».",
         "Хотите сообщить новость? Пишите нам в WhatsApp."]


@dataclass
class Item:
    family: int
    kind: str  # original, repost, follow-up, topic, notice, notice-repost
    source: str
    published: datetime
    title: str
    paragraphs: list[str] = field(default_factory=list)

    def record(self, number: int) -> dict:
        return {"url": f"https://{self.source}.example/news/{number}/", "source": self.source,
                "title": self.title, "body": "\n\n".join(self.paragraphs),
                "published": self.published.isoformat(), "tags": []}


class Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.vocab = vocabulary()[:20000]
        # cumulative once (choices() sums plain weights on every call): the same draws
        self.cum_weights = list(accumulate(1 / (rank + 1) for rank in range(len(self.vocab))))

    def words(self, k: int, pool: list[str] | None = None) -> list[str]:
        if pool is not None:
            return self.rng.choices(pool, k=k)
        return self.rng.choices(self.vocab, cum_weights=self.cum_weights, k=k)

    def name(self) -> str:
        rng = self.rng
        first = rng.choice(FIRST)
        end = "а" if first[-1] in "ая" else ""
        return f"{first} {rng.choice(SURNAME)}ов{end}"

    def number(self) -> str:
        rng = self.rng
        return rng.choice([f"{rng.randint(1, 28)} {rng.choice(MONTHS)}",
                           f"{rng.randint(2, 990)} {rng.choice(['человек', 'школ', 'детей'])}",
                           f"{rng.randint(1, 99)},{rng.randint(1, 9)} млн рублей",
                           f"школе № {rng.randint(1, 140)}", f"в {rng.choice(PLACES)}",
                           f"на улице {rng.choice(STREETS)}"])

    def sentence(self, pool: list[str] | None = None, phrases: list[str] | None = None) -> str:
        rng = self.rng
        parts = self.words(rng.randint(6, 14), pool)
        for _ in range(rng.randint(0, 2)):
            parts.insert(rng.randrange(len(parts) + 1), self.number())
        if rng.random() < 0.35:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(phrases or STOCK))
        if rng.random() < 0.25:
            parts.insert(rng.randrange(1, len(parts) + 1), self.name())
        text = " ".join(parts)
        return text[0].upper() + text[1:] + "."

    def paragraph(self, pool: list[str] | None = None, phrases: list[str] | None = None) -> str:
        return " ".join(self.sentence(pool, phrases) for _ in range(self.rng.randint(2, 4)))

    def article(self, pool: list[str] | None = None, phrases: list[str] | None = None,
                paragraphs: tuple[int, int] = (4, 8)) -> list[str]:
        return [self.paragraph(pool, phrases) for _ in range(self.rng.randint(*paragraphs))]

    def title(self) -> str:
        text = " ".join(self.words(self.rng.randint(5, 9)))
        return text[0].upper() + text[1:]

    # --- the edits outlets make -------------------------------------------------------------

    def repost(self, paragraphs: list[str], source: str, short: bool = False) -> list[str]:
        """`short`: a notice of three paragraphs, whose lead holds the event's date and
        place; outlets prefix it and keep it."""
        rng = self.rng
        out = list(paragraphs)
        edits = rng.sample(["lead", "tail", "drop", "promo", "words", "words"], rng.randint(2, 4))
        attribution = f"Как сообщили в пресс-службе {rng.choice(ORGS)}, "
        if "lead" in edits:
            _, _, rest = out[0].partition(". ")
            if rng.random() < 0.5 and rest and not short:  # the lead's first sentence rewritten
                out[0] = attribution + _lower(self.sentence()) + " " + rest
            else:
                out[0] = attribution + _lower(out[0])
        if "drop" in edits and len(out) > 3:
            del out[rng.randrange(1, len(out) - 1)]
        if "tail" in edits and len(out) > 2:
            out = out[: max(2, round(len(out) * rng.uniform(0.4, 0.8)))]
        if "words" in edits:
            out = [self.change_words(p, rng.uniform(0.02, 0.05)) for p in out]
        if "promo" in edits:
            out.append(rng.choice(PROMO).replace("наш канал", f"канал {source}"))
        return out

    def change_words(self, text: str, share: float) -> str:
        words = text.split(" ")
        for _ in range(max(1, round(len(words) * share))):
            i = self.rng.randrange(len(words))
            words[i] = self.words(1)[0]
        return " ".join(words)


def _lower(text: str) -> str:
    return text[0].lower() + text[1:] if text else text


NOTICE = [
    "{org_cap} информирует о проведении {event} {date} в {time}.",
    "Мероприятие пройдет по адресу: {place}, улица {street}, дом {house}.",
    "К участию приглашаются обучающиеся, родители и педагогические работники "
    "образовательных организаций.",
    "Ответственный за проведение — {name}, телефон для справок {phone}.",
    "Регистрация участников начинается за 30 минут до начала мероприятия.",
    "При себе необходимо иметь документ, удостоверяющий личность.",
    "Информация размещена на официальном сайте в разделе «Объявления».",
]
EVENTS = ["родительского собрания", "муниципального этапа олимпиады", "пробного экзамена",
          "публичных слушаний", "дня открытых дверей", "приемки школ к новому учебному году"]


def notice(w: Writer, template: list[str]) -> list[str]:
    rng = w.rng
    values = {"org_cap": rng.choice(["Комитет образования", "Департамент по образованию",
                                     "Администрация района"]),
              "event": rng.choice(EVENTS), "date": f"{rng.randint(1, 28)} {rng.choice(MONTHS)}",
              "time": f"{rng.randint(9, 18)}:{rng.choice(['00', '30'])}",
              "place": rng.choice(PLACES), "street": rng.choice(STREETS),
              "house": rng.randint(1, 120), "name": w.name(),
              "phone": f"8 (8442) {rng.randint(20, 99)}-{rng.randint(10, 99)}-"
                       f"{rng.randint(10, 99)}"}
    # the event's own sentences lead, as in real notices; the boilerplate follows
    slots = [line.format(**values) for line in template if "{" in line]
    fixed = [line for line in template if "{" not in line]
    return [" ".join(slots), " ".join(fixed[:2]), " ".join(fixed[2:])]


def labelled(seed: int, families: int = 300) -> list[tuple[int, str, dict]]:
    """(family, kind, article record) triples in a shuffled import order: reposts often
    arrive before their original."""
    rng = random.Random(seed)
    w = Writer(rng)
    items: list[Item] = []
    start = datetime(2025, 1, 1, 8, tzinfo=MSK)
    family = 0

    def day() -> datetime:
        return start + timedelta(days=rng.randrange(300), minutes=rng.randrange(600))

    def reposts(base: Item, k: int, kind: str = "repost") -> None:
        short = kind == "notice-repost"
        others = [s for s in SOURCES if s != base.source]
        for source in rng.sample(others, k):
            items.append(Item(base.family, kind, source,
                              base.published + timedelta(minutes=rng.randint(40, 72 * 60)),
                              w.title(), w.repost(base.paragraphs, source, short)))

    originals = []
    for _ in range(families):
        family += 1
        base = Item(family, "original", rng.choice(SOURCES), day(), w.title(), w.article())
        items.append(base)
        originals.append(base)
        reposts(base, rng.choice([0, 1, 1, 2, 3, 4, 6]))
    for base in rng.sample(originals, families // 3):  # follow-ups quoting one paragraph
        family += 1
        quoted = rng.choice(base.paragraphs)
        body = w.article(paragraphs=(2, 5))
        body.insert(rng.randrange(1, len(body) + 1), "Напомним, " + _lower(quoted))
        follow = Item(family, "follow-up", rng.choice(SOURCES),
                      base.published + timedelta(days=rng.randint(1, 20)), w.title(), body)
        items.append(follow)
        if rng.random() < 0.3:
            reposts(follow, 1)
    for _ in range(families // 10):  # a topic and a day: several stories sharing both
        when = day()
        pool = w.words(150)
        phrases = [" ".join(w.words(rng.randint(3, 5))) for _ in range(6)]
        for _ in range(rng.randint(3, 5)):
            family += 1
            mixed = pool + w.words(150)
            items.append(Item(family, "topic", rng.choice(SOURCES),
                              when + timedelta(minutes=rng.randrange(600)), w.title(),
                              w.article(mixed, phrases)))
    for _ in range(families // 15):  # template notices about different events
        template = list(NOTICE)
        rng.shuffle(template)
        for _ in range(rng.randint(3, 6)):
            family += 1
            base = Item(family, "notice", rng.choice(SOURCES), day(), w.title(),
                        notice(w, template))
            items.append(base)
            if rng.random() < 0.4:
                reposts(base, rng.randint(1, 2), "notice-repost")
    rng.shuffle(items)
    return [(item.family, item.kind, item.record(number)) for number, item in enumerate(items)]
