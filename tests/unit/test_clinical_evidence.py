"""Sentences linked to record lines (domains/clinical/evidence.py) and the demo's rendering of them (apps/clinical):
the reference's fact sentences are all supported and cite the lines holding their facts, an invented fact is
unsupported and cites nothing, a stated lab value cites the line with that value, identifiers are redacted with
counts, and a record the metrics cannot score is named."""

from apps.clinical import record_html, summary_card
from domains.clinical import judge_assets as ja
from domains.clinical.evidence import link, unscored_categories
from domains.clinical.record import parse


def _adm():
    return parse(ja.RECORD, ja.EXAMPLE_ID)


def test_reference_sentences_cite_the_lines_holding_their_facts():
    adm, lines = _adm(), ja.RECORD.split("\n")
    sentences = link(ja.REFERENCE, adm)
    assert " ".join(s.text for s in sentences).split() == ja.REFERENCE.split()  # every word in a sentence
    assert not [s for s in sentences if s.status == "unsupported"]
    by_text = {s.text.strip(): s for s in sentences}
    dx = by_text["Diagnoses: alcohol withdrawal (F10.230), primary diagnosis."]
    assert dx.status == "supported" and [lines[n - 1] for n in dx.lines] == [lines[3]] and "F10.230" in lines[3]
    lab = next(s for s in sentences if "AST" in s.text)
    # the value stated (the peak, 210) cites its own line, not the day-2 AST line
    assert [lines[n - 1] for n in lab.lines] == [lines[2]] and "AST 210" in lines[2]
    lorazepam = next(s for s in sentences if "lorazepam" in s.text)
    assert [lines[n - 1].split(" ", 2)[2] for n in lorazepam.lines] == ["MED START lorazepam 2 mg IV q4h PRN",
                                                                        "MED STOP lorazepam"]
    home = by_text["Disposition: Discharged home."]
    assert home.lines == [len(lines)] and lines[-1].startswith("DISCHARGE")
    follow = next(s for s in sentences if "recovery program" in s.text)
    assert follow.status == "none" and follow.context == ["instructions"] and follow.lines == [len(lines)]


def test_an_invented_fact_is_unsupported_and_an_identifier_is_reported():
    sentences = link("Started furosemide 40 mg PO daily. Novak was discharged home; thiamine 100 mg PO daily.", _adm())
    invented, named, thiamine = sentences
    assert invented.status == "unsupported" and invented.unsupported == ["drug:furosemide"] and not invented.lines
    assert named.leaked == {"name": 1} and named.status == "supported"  # "discharged home" is the disposition
    assert thiamine.status == "supported" and thiamine.supported == ["drug:thiamine", "dose:thiamine=100 mg"]


def test_card_and_record_are_redacted_by_default_with_counts():
    adm, lines = _adm(), ja.RECORD.split("\n")
    card, cited = summary_card("yours", "Ines Novak, MRN 30418825. Started furosemide 40 mg PO daily.", adm,
                               ja.REFERENCE, lines, True)
    assert "Novak" not in card and "30418825" not in card and "[NAME] [NAME], MRN [MRN]" in card
    assert "redaction caught name 2, mrn 1; the leak metric still finds nothing" in card
    assert 'class="sentence unsupported"' in card and "identifier leak yes" in card  # scored as written
    raw, _ = summary_card("yours", "Ines Novak went home.", adm, ja.REFERENCE, lines, False)
    assert "Ines Novak" in raw and "[identifier: name]" in raw
    view = record_html(ja.RECORD, adm, cited | {3}, True)
    assert "Novak" not in view and "1961-04-09" not in view and 'id="record-L3"' in view
    assert 'class="record-line cited" id="record-L3"' in view


def test_a_record_without_a_procedure_is_named_as_unscorable():
    no_proc = "\n".join(line for line in ja.RECORD.split("\n") if "PROCEDURE" not in line)
    assert unscored_categories(parse(no_proc)) == ["procedures"] and unscored_categories(_adm()) == []
