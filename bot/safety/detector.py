"""Finds disclosures of risk in a message, with spaCy.

A phrase grammar compiled to spaCy Matcher patterns finds the words of risk
(lemmas, so "cutting" matches "cut"; fuzzy matching for long words, so
"sucidal" matches "suicidal"). Each match is then read in its context: a
negation before it ("I'm not suicidal"), an event in the distant past or
someone else's history ("my dad died of a heart attack years ago"), or an
ongoing, known condition ("chest pain when I walk uphill, my GP knows") turns
it off. Idioms never match, because every pattern needs the words that make
the meaning ("kill myself", not "kill").

It fails closed: where a message has risk words and no clear reason to set
them aside, it is flagged.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from bot.safety import context
from bot.safety.risk import RiskCategory
from bot.safety.symptoms import find_emergencies

# --- The phrase grammar ----------------------------------------------------
# Tokens are separated by spaces. A token is:
#   word        the word itself (lower case)         a|b|c   any of these words
#   ~word       any form of the word (its lemma)     ~a|b    any form of a or b
#   word%       the word, allowing spelling slips (for long words only)
#   ...?        the token may be missing             _       one word of any kind may stand here
#   <punct>     a punctuation mark
# A phrase is one token per word: to allow "too many" or "loads", write "too? many|loads".
ME = "myself|meself|myslf|mysef|mself|myslef|myelf|mysefl|meslf"
SOMEONE_ELSE = "himself|herself|themselves|themself"
# "can't" is two tokens to spaCy ("ca", "n't"); "cant" and "cannot" are one.
CANNOT = "<cannot>"
CANNOT_FORMS = ("ca|can|could|wo n't|nt|not", "cant|cannot|couldnt|cudnt|carnt|cnt|cannae|canny")

DRUGS = (
    "~pill|~tablet|meds|~medication|~medicine|paracetamol|morphine|insulin|codeine|tramadol|diazepam|"
    "sertraline|~painkiller|~antidepressant|~sleeping|~box|~packet|~strip|~bottle|~load|~lot|~bunch"
)
HARM = (
    "~cut|~slash|~burn|~scratch|~hurt|~harm|~injure|~punish|~starve|~bruise|~hit|~punch|~bite|~scald|~carve|"
    "~stab|~slice|hurtin|harmin|cuttin"
)
ATTACK = (
    "~hit|~beat|~punch|~kick|~slap|~push|~shove|~strangle|~choke|~rape|~abuse|~assault|~batter|~bully|"
    "~grab|~smack|~thump|~throttle|~bite|~spit|~burn|~blackmail|~threaten|~molest"
)
PERSON = (
    "he|she|they|him|her|them|husband|hubby|wife|partner|boyfriend|girlfriend|ex|son|daughter|dad|father|"
    "mum|mother|brother|sister|uncle|aunt|carer|carers|stepdad|grandson|granddaughter|nephew|niece|"
    "neighbour|landlord|someone|somebody|staff|man|woman|people"
)

PHRASES: dict[RiskCategory, list[str]] = {
    RiskCategory.SUICIDAL_THOUGHTS: [
        f"~finish {ME} off",
        "~finish my|me life",
        "how to ~end it",
        "~end it on my own terms",
        "~want|wanna tae be? die|deid",
        "want|wants die",
        "no ~want to live|die",
        "how many units of insulin it would|to",
        f"'ll|will|gonna do it {ME}",
        "~drive|driving into a|the wall|tree|river|bridge|lorry",
        "unalive|unaliving|unalived",
        "~tie|~hang a|the _? noose|belt|rope",
        "noose",
        "engine running",
        "~pick|picked|~set a date",
        "~make my arrangements",
        "~make|~have _? arrangements for when",
        "wo|will|'ll|not|n't _? be alive|around|here by|at|for|in|much",
        "~intend|~plan|~expect to be around|here|alive",
        "~stop taking my _? _? ~tablet|~pill|~medication|meds|insulin on purpose|deliberately",
        "~swallow|~take the lot",
        "~hope|~pray _? i|i'll|ill _? die|~go in my sleep",
        "die in my sleep",
        "~give|giving my things|stuff|belongings away",
        "high enough to",
        "wanna|~want be|being alive",
        "n't|nt|dont|not wanna|~want to? be|being alive|here|around",
        "n't|nt|dont|not ~intend|~plan|~expect to be around|here|alive",
        "not|never needing|having to ~hurt|~harm|~cut",
        "~look up which|what floor|bridge|building|cliff",
        "~make sure of it",
        "~lose my nerve",
        f"~kill|kil|kll|killin|~top|~off|~hang|~drown|~shoot|~gas|~poison _? {ME}",
        "~kill|kil|~top _? my self",
        "kms",
        "kys",
        f"~kill|~hang|~drown|~shoot|~gas|~top {SOMEONE_ELSE}",
        f"~use|using it|them on {ME}",
        "suicide%",
        "suicidal%",
        "suicidle",
        "sucide",
        "suiside",
        "suicidel",
        "suicdal",
        "sucidal",
        "~end|~take my|me own? life",
        "~end it all|tonight|now|today|soon",
        "~end everything|things",
        "~think|~plan|~want|thinking|thinkin|going|gonna|~mean|~decide _? to|of|about ~end it",
        "~want|wanna|~wish to|2? die|dye|di",
        "~want|~wish to be dead",
        "rather be|~die dead|gone",
        "~rather die",
        "~wish|wishing|~pray i|id|i'd|that _? was|were|'d|could|would _? dead|gone|die|never",
        "~wish|~pray _? i _? not|never wake|woke|born|here|alive|exist",
        "~pray _? ~take me",
        "~sleep and not|never wake",
        "not|never|n't|nt wake|waking up",
        "better off dead|gone|without",
        "better off without me",
        "better|happier|easier|~cope _? off? if|without i|im|me _? was|were|wasnt|wasn't|weren't|gone|dead|here _? _? dead|gone|around|here|alive|n't|nt|not?",
        "~be|~cope better|happier without me",
        "no|nothing|any reason|point to|in|of|for _? live|living|go|going|carry|carrying|keep|be|being|life",
        "no point carrying|going|living|being",
        "n't|nt|not|dont|never|cant _? see|find|have any|a|the? reason|point",
        "point of|in anything any? more|anymore",
        "not|n't|nt|isn't|isnt worth living",
        "life|living|it is|'s|isnt|isn't not? worth it|living",
        f"{CANNOT} go|carry on",
        f"{CANNOT} do this|it any? more|anymore|longer",
        f"{CANNOT} cope any? more|anymore|longer",
        "do|does n't|nt|not want to be here|alive|around|living any? more|anymore|longer",
        "do|does n't|nt|not want to live|exist|carry|go",
        "dont want to be|live here|alive|around|living|exist",
        "dont want to live|exist|carry|go",
        "not|n't|nt being alive|here|around",
        "~want it all to end|stop",
        "~want everything to end|stop",
        "wo|will n't|nt|not be around|here much|for|at|by|when|long",
        "wont|won't be around|here much|for|at|by|when|long",
        "~save|~stockpile|~hoard|~collect|saving|stockpiling up? _? my? " + DRUGS,
        DRUGS + " saved|stockpiled|hidden|hid|stashed up|away?",
        "enough " + DRUGS + " to do|end|kill",
        f"how many {DRUGS} it would|to ~take|~kill",
        "~look|~google|~search|~research _? up? _? how to die|~kill|end|~overdose",
        "~google|googling|~search|~research|~look up ways|how to die|~kill|~end",
        "ways to die|~kill|end",
        "~say|~write|said|written _? my goodbyes|goodbye",
        "goodbye ~letter|~note|~message",
        "suicide ~note|~letter",
        "~make up my mind",
        "~jump off|from a|the _? bridge|building|cliff|roof|car|multi|block|balcony",
        "~stand|stood|~go on|at the bridge|edge|cliff",
        "of|about jumping|hanging|drowning|overdosing|overdoing",
        "~jump|~step|~throw|~walk|~lie myself? in front of a|the _? train|bus|lorry|car|traffic",
        "~walk|~wade into the sea|river|water|canal",
        "~crash|~drive the|my car into|off",
        "~tired|sick of living|being alive|life",
        "~be a burden to _? everyone|everybody|you|them|family|all",
        "everyone|everybody|they|family|kids|world would be better|happier",
        "a relief for|to everyone|everybody|them|all",
        "~disappear forever|for good",
        "done with life|living",
        "no|only way out",
        "my own funeral",
        "when i|i'm|im 'm? gone",
        "~take us both|all",
        "~overdose on purpose",
        "just ~join her|him|them",
        "~be with her|him again",
        "a|the rope in|for|round",
    ],
    RiskCategory.SELF_HARM: [
        "sh'd|shd",
        "~reopen _? _? scars|cuts|wounds",
        "till|until|so its|it's|they|they're|it _? raw|split|blistered|bleeding",
        "on purpose|deliberately",
        "hurtin|hurting|harming my own? body|self|myself|meself",
        "~hurt|~harm my own body",
        "~go in the bathroom and cut",
        "and cut <punct>",
        "and cut .",
        "~use a|the lighter|glass|compass|knife on",
        "with|wiv|from glass|a blade|razor|knife",
        f"{HARM} _? {ME}",
        f"{HARM} _? {SOMEONE_ELSE}",
        "~cut|~slash|~burn|~scratch|~scald|~carve|~pick|~stub _? _? into|on|out? on? my|me arm|arms|wrist|wrists|leg|legs|skin|thigh|thighs|stomach|hands|hand|body",
        "~make|~get myself bleed",
        "~cut arm|arms|wrist|wrists|leg|legs|thigh|thighs",
        "till|until|so _? they|it|i|my _? ~bleed",
        "self -? harm|harming|harmed|harmin|injure|injuring|injury",
        "self-harm|self-harming|selfharm|selfharming|slef|sh|self-injuring|self-injury|selfinjury",
        "self injury|injuring|injure",
        "~relapse on sh|self",
        "sh again|agen|agn",
        "~cut again|agen|agin|agn|deeper",
        "i cut|cutting|cuttin <punct>",
        "cuttin|cutting deeper",
        "~be|~start|~keep cutting|cuttin",
        "~go back to cutting",
        "cutting|burning|hurting _? myself|again|agen|deeper",
        "the|my|fresh|new cuts",
        "~use|~take|~keep|~hide _? a|the|my? _? ~blade|~razor",
        "~find|found ~blade|~razor",
        "~bang|~hit my head against|on _? the? wall|floor|door",
        "~hurt|~harm myself? on purpose|deliberately",
        "deliberately ~break|~burn|~cut|~hurt",
        "~urge to ~cut|~hurt|~harm",
        "~drink bleach",
        "~take extra " + DRUGS,
    ],
    RiskCategory.SAFEGUARDING: [
        "rough with me|us",
        "~keep me in my|the room|house|flat",
        "~smash the|my place|house|flat up",
        "~regret it if i",
        f"{PERSON} ~check|~read my phone|messages|texts",
        f"{PERSON} ~go through my phone|messages|texts",
        f"{PERSON} ~hide|~take|~keep _? my _? inhaler|inhalers|insulin|tablets|meds|oxygen|keys|phone",
        f"{PERSON} ~turn|~switch the|my oxygen off",
        "~burn the|my house|place|flat down with me",
        "~hide|hiding from him|her|them",
        "~get|~be rough when|with",
        "~pinch me|my",
        "take|takes|taking no for an answer",
        "~smash|~break|~take my phone so",
        "~come in|into my room at night",
        "~get nasty|angry if|when i",
        "what he|she|they 'll|will|might|would do to me",
        "~hurt her|him|mum|mom|dad and us",
        "us kids ~hide",
        "~send|~share pictures|photos|pics of myself|me",
        "~share them if",
        "~sell my _? ~tablet|~pill|meds",
        f"{ATTACK} me|us|my|her|him|them",
        f"{PERSON} ~hurt me|us|my|them",
        "~beat me|us up",
        f"~scared|~afraid|~frightened|~terrified|~fear _? of my|him|her|them|{PERSON}",
        "~scared|~afraid|~frightened|~terrified to go home|back|out|tell",
        "~scared|~afraid|~frightened|~terrified _? at|of home",
        "~scared|~afraid|~frightened|~terrified what he|she|they will|'ll|might|would do",
        "not|n't|nt|never _? safe at|in|for home|house|flat|here|me",
        "do|does n't|nt|not feel safe",
        "dont feel safe",
        "~feel unsafe",
        "unsafe at|in home|my",
        "~lock me in|out|up",
        "~get hit|beaten|hurt|slapped|kicked|punched",
        "~be hit|beaten|hurt|slapped|kicked|punched|abused|raped|attacked",
        "~get violent",
        "~be violent",
        "violent again|towards|to|with",
        "~throw things|stuff at me",
        "wo|will|does|do|doesnt|dont n't|nt|not _? let me see|leave|go|out|have|talk|speak|phone|use|eat",
        "not allowed out|to",
        "~take|~keep|~steal|~control all? _? my|the money|benefits|pension|bank|card|change|passport|purse",
        "money from my purse|bank|account",
        "~control my money|everything|life|phone",
        "~force|~make me to? have|do|marry|work|sign",
        "~force me to",
        "~force|~make _? _? to marry",
        "work for no money",
        "~abuse",
        "abusive",
        "abusing",
        "domestic violence",
        "domestic abuse",
        "coercive",
        "controlling",
        f"{PERSON} _? is|are|'s|keeps|keep hurting|abusing|hitting|beating|touching me",
        "~touch me where|inappropriately|when|and",
        "~be hurt|hurting at home",
        "in danger",
        "'ll|will|gonna|~threaten|~say _? _? ~kill me",
        "going|~want|~threaten to ~kill me",
        "hurting|hurts me|us",
        "~threaten to ~kill|~hurt|~hit|~harm|~leave|~throw|~put me?",
        "put in a home if",
        "covered in bruises",
        "~bruise from where",
        "the marks on them|her|him",
        "left on their|his|her own|alone for",
        "no food in the house",
        "wet pads",
        "doesn't|doesnt|won't|wont|don't|dont give me my food|meals|tablets",
        "~get away from him|her|them",
        "~keep _? safe from",
        "~scream|~shout at me and",
        "~make me do stuff|things",
    ],
    RiskCategory.MEDICAL_EMERGENCY: [
        f"{CANNOT} get up",
        "~be|in agony",
        "face|lips|tongue|throat|eyes _? ~puff|~swell|puffing|swelling up?",
        "~sit|sat|~sitting on my chest",
        "grey|gray and sweaty|clammy",
        "sweaty|sweating and _? grey|pale",
        "~skin 's|has|is come|gone|coming off",
        "my|her waters _? ~go|~break|gone|broken",
        "see the cord",
        "~bleed from his|her|my ear|ears|head",
        "~vomit|~be sick and|now _? confused|drowsy",
        "vomiting and confused",
        "~breeve|breeve|breve|breef|breathe|breath propaly|properly",
        "full sentences",
        "~sting and _? now? _? wheezy|swelling",
        "~hit|~bang his|her|my head and _? _? _? drowsy|vomiting|bleeding|confused",
        "chest pain|pains|painz",
        "pain|pains|ache|pressure|tightness in|across my|the|his|her chest",
        "~crush|crushing|tight|tightness|heavy|heaviness _? chest",
        "chest ~be|~feel|is|feels|'s _? tight|heavy|crushing|squeezed|burning|hurting",
        f"{CANNOT} breathe|breath|breth|breathing|brethe|breeve|breve|breef",
        f"{CANNOT} talk|speak in full? sentences",
        f"{CANNOT} get|catch|finish my|a? breath|sentence",
        "~struggle|struggling|~fight|hard|difficult|trouble|~gasp to|for|breathing? breathe|breath|breathing|air|breth",
        "not|n't|nt|stopped breathing",
        "~go|~turn|~be blue|grey|gray",
        "lips ~be|~go|are|going blue",
        "~face ~droop|drooping|droopy|dropped|dropping|fallen|lopsided|numb",
        "side of his|her|my face has|is|'s dropped|drooping|fallen",
        "droopy|drooping|fallen|lopsided _? face|mouth|one side",
        "~slur _? words|speech|speaking|talking",
        "slurring",
        "slurred",
        "words are all? jumbled|muddled|wrong",
        "speech is funny|slurred|strange|wrong",
        f"{CANNOT} speak|talk|get|find|lift|move|feel my|his|her? properly|right|arm|leg|side|words|left|right",
        "arm|leg|side|hand _? ~go|~be|is|has|gone weak|numb|dead|floppy",
        "~have|having|~think a|an heart attack|stroke|fit|seizure|asthma attack|anaphylactic|allergic",
        "~have|having a|an? heart attack|stroke|seizure",
        "heart attack|stroke _? now|right|rn|happening",
        "overdose%",
        "overdosed",
        "overdosing",
        "od|od'd|oded|o.d.",
        f"~take|~swallow|~have|~drink _? too many|much _? _? {DRUGS}",
        f"took|swallowed|taken|drank|downed _? loads|load|whole|entire|all|lots _? _? {DRUGS}",
        f"all|whole|entire _? _? {DRUGS} at once|together",
        "~think|thinking of|about taking|swallowing _? all|whole|entire|the lot",
        f"~take|~swallow|took _? \\d+|20|30|40|50|100 _? _? {DRUGS}",
        "~take|~swallow _? a|the|my _? whole|entire packet|box|bottle|strip",
        "~swallow _? _? bleach|poison|some|liquid|batteries|battery",
        "~drink|~swallow _? _? _? bleach|poison|dishwasher|detergent|antifreeze|liquid",
        "~collapse",
        "unconscious%",
        "~pass out",
        "~black out",
        "~be out for",
        "wo|will|can n't|nt|not wake|respond|come round|answer|feed",
        "ca n't wake",
        "~bleed _? heavily|badly|loads|lot|everywhere|wo|won't|wont|will",
        "blood coming|pouring from|out",
        "it's|its pouring out",
        "wo|will|can|ca n't|nt|not stop the? bleeding|bleeding",
        "cant stop the? bleeding",
        "~bleed and|that|it _? wo|will|wont|won't n't|nt|not? stop",
        "~seizure",
        "~have a fit",
        "fitting",
        "convulsing",
        "throat ~be|is|~feel _? swelling|swollen|closing|tight",
        "~swell|swelling up? throat|tongue|lips",
        "tongue|lips|face _? _? swelling|swollen",
        "hard|difficult to swallow",
        "anaphylaxis%",
        "anaphylactic",
        "~cough|~throw|~vomit|~sick up? _? _? blood",
        "~be sick blood",
        "poo is black",
        "worst headache",
        "sudden|severe|terrible _? headache and",
        "been|~get|got stabbed|shot",
        "not making sense",
        "~go|gone|suddenly|very confused|drowsy|floppy",
        "blood sugar is 1|2|0|1.8|1.5|2.1",
        "rash that does|doesn't|doesnt n't? fade",
        "~hit his|her|my head and",
        "inhaler is|isn't|isnt n't|nt|not? working|helping",
        "~have an asthma attack",
        "~feel faint",
        "clammy",
    ],
}

# Words that set a match in the distant past: set aside unless it is back.
DISTANT_PAST = re.compile(
    r"\bturned out to be\b|\bit'?s sorted\b|\b(years?|decades?|months) ago\b|\bwhen (i|he|she|they|we) (was|were)\b|\bas a (child|kid|teenager|teen)\b"
    r"|\bin the past\b|\bused to\b|\b(19|20)\d\d\b|\blast (year|summer|winter|spring|autumn)\b"
    r"|\blong time ago\b|\bback in\b|\bin my (twenties|teens|youth)\b|\bat uni\b|\bin the (sixties|seventies|eighties|nineties)\b"
    r"|\bwhen i was (young|little|a)\b"
)
RECURRING = re.compile(
    r"\b(again|still|started|starting|keep|keeps|lately|recently|this week|tonight|today|right now|rn|"
    r"at the moment|these days|every day|most days)\b"
)
# Someone else's death: bereavement, not risk to the person.
SOMEONE_ELSES_DEATH = re.compile(
    r"\b(died|passed away|committed suicide|took (his|her|their) own life|died by suicide)\b"
)
# Talk about services, learning and stories, not about oneself.
SERVICE_TALK = re.compile(
    r"\b(prevention|awareness|helpline|charity|documentary|lecture|training|course|volunteer|novel|"
    r"book club|film|programme|research|campaign|fundraising|fundraiser|workshop|dissertation|essay)\b"
)
# A question asked and denied: "asked if I'd had thoughts of suicide and I said no".
DENIED = re.compile(
    r"\b(asked|ask) (me )?(if|whether)\b.*\b((said|say) no|answer is no)\b|\bnever crossed my mind\b"
    r"|\bnever do anything to (hurt|harm)\b"
)
# Phrases that use risk words for something else entirely.
IDIOMS = re.compile(
    r"\b(beats me(?! up)|rather die than|almost had a heart attack|nearly had a heart attack|beats? me at|beat me to|"
    r"shot me a look|killing me|killed me|kill me for|cut (my|the|his|her) (own )?(hair|hedge|grass|lawn|nails|"
    r"toenails|toe nails|cake|bread|losses|hours|down on)|dying to|to die for|die laughing|died laughing|"
    r"bored to death|scared to death|will kill me if|cut(ting)? (my|our|the) (hours|costs|budget)|"
    r"scratches on my arms are from|from the cat|own life back|life story|cut the tension|when i'?m gone (on|to|out|away)|"
    r"(see|find) the point (of|in) going to)\b"
)
# An ongoing condition the person lives with, as opposed to something happening now.
KNOWN_CONDITION = re.compile(
    r"\bwhen i (walk|climb|exert|go up|do)\b|\bgp knows\b|\bdoctor knows\b|\b(on|take|have) (medication|"
    r"tablets|a spray|an inhaler) for\b|\bwith my (copd|asthma|angina)\b|\bangina\b|\bsometimes\b|\busually\b"
    r"|\bon and off\b|\bin the cold\b|\bevery (time|winter)\b|\bnurse knows\b|\bknows all about it\b"
    r"|\bwalking up\b|\bgoes off when\b|\bwith (my|her|his) (copd|asthma|angina|heart failure)\b"
)
# A hurt that was an accident: a burn on the oven, a cut from the tin lid.
ACCIDENT = re.compile(
    r"\b(on|from) the (oven|iron|kettle|stove|pan|hob|tin)\b|\bby accident\b|\baccidentally\b"
)
ON_PURPOSE = re.compile(r"\bon purpose\b|\bdeliberately\b")
HAPPENING_NOW = re.compile(
    r"\b(now|rn|right now|at the moment|today|tonight|this morning|this evening|just|suddenly|"
    r"won'?t stop|getting worse|worse|really bad|severe|crushing|help|for \w+ minutes|ha(ve|s)n'?t worked)\b"
)
NEGATION_WORDS = {"not", "n't", "nt", "never", "no", "nobody", "noone", "neither", "nor"}
# The dependency links along which a negation reaches a phrase ("I'm not suicidal",
# "no thoughts of harming myself"); a new clause ("my mum doesn't know I'm...") stops it.
NEGATION_REACHES_THROUGH = {
    "acomp", "attr", "xcomp", "dobj", "pobj", "pcomp", "prep", "acl", "compound", "amod", "nsubj",
}  # fmt: skip


@dataclass(frozen=True)
class RiskMatch:
    category: RiskCategory
    words: str  # the words that disclosed it, for the professional reading the flag


class RiskDetector:
    """Reads a spaCy document for disclosures of risk."""

    def __init__(self, vocab: Vocab) -> None:
        self._matcher = Matcher(vocab, validate=True)
        for category, phrases in PHRASES.items():
            for phrase in phrases:
                patterns = [pattern for p in expand(phrase) for pattern in compile_phrase(p)]
                self._matcher.add(category.value, patterns)

    def detect(self, doc: Doc) -> list[RiskMatch]:
        """Every disclosure in the document, most urgent category first."""
        return self.read(doc).disclosures

    def read(self, doc: Doc) -> Reading:
        """The disclosures, and whether any risk words were read and set aside by their context."""
        found: dict[RiskCategory, RiskMatch] = {}
        set_aside = False
        for match_id, start, end in self._matcher(doc):
            category = RiskCategory(doc.vocab.strings[match_id])
            span = doc[start:end]
            if _set_aside(span, category):
                set_aside = True
            elif category not in found:
                found[category] = RiskMatch(category, span.text)
        for span in _symptom_spans(doc):
            if _set_aside(span, RiskCategory.MEDICAL_EMERGENCY):
                set_aside = True
            elif RiskCategory.MEDICAL_EMERGENCY not in found:
                found[RiskCategory.MEDICAL_EMERGENCY] = RiskMatch(RiskCategory.MEDICAL_EMERGENCY, span.text)
        disclosures = sorted(found.values(), key=lambda m: m.category.urgency)
        return Reading(disclosures, set_aside)


@dataclass(frozen=True)
class Reading:
    disclosures: list[RiskMatch]
    # Risk words were there, but negated, past, someone else's or an idiom.
    words_set_aside: bool


def expand(phrase: str) -> list[str]:
    """A phrase with <cannot> stands for one phrase per way of writing it."""
    if CANNOT not in phrase:
        return [phrase]
    return [phrase.replace(CANNOT, form) for form in CANNOT_FORMS]


def compile_phrase(phrase: str) -> list[list[dict]]:
    """Matcher patterns for one phrase: one per way of reading its mixed tokens."""
    return [list(pattern) for pattern in itertools.product(*map(_compile_token, phrase.split()))]


def _compile_token(token: str) -> list[dict]:
    """A token's specs: a token that mixes lemmas and words ("been|~get") needs one of each."""
    optional = token.endswith("?") and len(token) > 1
    token = token.rstrip("?") if optional else token
    if token == "_":
        return [{"OP": "?"}]
    if token == "<punct>":
        specs = [{"IS_PUNCT": True}]
    elif token.endswith("%"):
        specs = [{"LOWER": {_fuzzy(token[:-1]): token[:-1]}}]
    else:
        words = token.split("|")
        lemmas = [w[1:] for w in words if w.startswith("~")]
        plain = [w for w in words if not w.startswith("~")]
        specs = ([{"LEMMA": {"IN": lemmas}}] if lemmas else []) + (
            [{"LOWER": {"IN": plain}}] if plain else []
        )
    return [{**spec, "OP": "?"} for spec in specs] if optional else specs


def _fuzzy(word: str) -> str:
    """Spelling slips allowed for a word: none for short words, which collide."""
    if len(word) < 6:
        raise ValueError(f"{word!r} is too short to match loosely")
    return "FUZZY1" if len(word) < 9 else "FUZZY2"


def _symptom_spans(doc: Doc) -> list[Span]:
    """The first sign of each emergency told in symptoms, as a span to read in context."""
    spans = (
        doc.char_span(start, end, alignment_mode="expand") for _, start, end in find_emergencies(doc.text)
    )
    return [span for span in spans if span is not None]


def _set_aside(span: Span, category: RiskCategory) -> bool:
    """Whether the context shows this match is not a disclosure of risk now."""
    sentence = span.sent.text.lower()
    elsewhere = sentence.replace(span.text.lower(), " ")
    if IDIOMS.search(sentence) or SERVICE_TALK.search(sentence) or DENIED.search(span.doc.text.lower()):
        return True
    if _negated(span) or context.is_conditional(span) or context.is_a_joke(span):
        return True
    if context.is_someone_elses_story_that_is_over(span) or context.is_over_and_recovered(span):
        return True
    if (
        category != RiskCategory.SUICIDAL_THOUGHTS
        and ACCIDENT.search(sentence)
        and not ON_PURPOSE.search(sentence)
    ):
        return True
    if category == RiskCategory.MEDICAL_EMERGENCY and context.is_an_aim(span):
        return True
    if DISTANT_PAST.search(sentence) and not RECURRING.search(elsewhere):
        return True
    if category != RiskCategory.SAFEGUARDING and SOMEONE_ELSES_DEATH.search(elsewhere):
        return not RECURRING.search(elsewhere) and category != RiskCategory.SUICIDAL_THOUGHTS
    return (
        category == RiskCategory.MEDICAL_EMERGENCY
        and bool(KNOWN_CONDITION.search(sentence))
        and not HAPPENING_NOW.search(elsewhere)
    )


def _negated(span: Span) -> bool:
    """A negation that governs the phrase, found through the dependency tree.

    Negation inside the phrase belongs to its meaning ("I can't go on"). A
    relative clause ("a good day is one where I don't cut myself") describes
    what is missing, so it is not a denial: fail closed.
    """
    token = span.root
    for _ in range(4):
        if token.dep_ == "relcl" or token.head.dep_ == "relcl":
            return False
        for child in token.children:
            outside = child.i < span.start or child.i >= span.end
            if outside and (child.dep_ == "neg" or child.lower_ in NEGATION_WORDS):
                return True
        if token.dep_ not in NEGATION_REACHES_THROUGH or token.head.i == token.i:
            return False
        token = token.head
    return False
