"""The LKjIP outline as a Word document (python-docx): A4, Bookman Old Style, a cover, a real table-of-contents
field, numbered captions, header rows repeated on every page, Word footnotes, a PAGE field in the
footer. Pure and synchronous: call it from a thread."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from domain.tanggal import format_date
from reports.lkjip import DataLkjip, Dokumen, Gambar, Judul, Khusus, Paragraf, Sel, Tabel, susun

HURUF = "Bookman Old Style"  # the published report's typeface
LEBAR_ISI_CM = 16.0  # A4 (21 cm) minus 3 cm left and 2 cm right margins
WARNA_DRAF = RGBColor(0xB0, 0x3A, 0x00)
TWIP_PER_CM = 567
# The settings that come after w:updateFields in the schema's sequence.
SESUDAH_UPDATE_FIELDS = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
                         "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
                         "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
                         "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol",
                         "listSeparator")


def _field(par: Paragraph, instr: str, placeholder: str | list[str]) -> None:
    """A Word field (TOC, PAGE): begin, instruction, separate, the text shown until updated, end."""
    def fld(kind: str) -> Any:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            el.set(qn("w:dirty"), "true")
        return el

    r = par.add_run()
    r._r.append(fld("begin"))
    r = par.add_run()
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {instr} "
    r._r.append(it)
    par.add_run()._r.append(fld("separate"))
    for i, baris in enumerate([placeholder] if isinstance(placeholder, str) else placeholder):
        r = par.add_run(baris)
        if i:
            r._r.addprevious(OxmlElement("w:r"))
            r._r.getprevious().append(OxmlElement("w:br"))
    par.add_run()._r.append(fld("end"))


def _gaya(doc: DocumentObject) -> None:
    st = doc.styles
    normal = st["Normal"]
    normal.font.name = HURUF
    normal.font.size = Pt(11)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for a in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(a), HURUF)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for i, ukuran in ((1, 14), (2, 12), (3, 11)):
        h = st[f"Heading {i}"]
        h.font.name = HURUF
        h.font.size = Pt(ukuran)
        h.font.bold = True
        h.font.color.rgb = RGBColor(0, 0, 0)
        h_rpr = h.element.get_or_add_rPr()
        h_fonts = h_rpr.find(qn("w:rFonts"))
        if h_fonts is None:
            h_fonts = OxmlElement("w:rFonts")
            h_rpr.append(h_fonts)
        for a in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            h_fonts.set(qn(a), HURUF)
        for a in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
            h_fonts.attrib.pop(qn(a), None)
    st["Heading 1"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    st["Caption"].font.name = HURUF
    st["Caption"].font.size = Pt(10)
    st["Caption"].font.bold = True
    st["Caption"].font.italic = False
    st["Caption"].font.color.rgb = RGBColor(0, 0, 0)
    # Word recomputes the TOC and PAGE fields on opening (LibreOffice on update).
    upd = OxmlElement("w:updateFields")
    upd.set(qn("w:val"), "true")
    _sisipkan_pengaturan(doc, upd, SESUDAH_UPDATE_FIELDS)


def _sisipkan_pengaturan(doc: DocumentObject, el: Any, sesudah: tuple[str, ...]) -> None:
    """Put a settings element where the schema's sequence wants it: before the first of those that follow it."""
    settings = doc.settings.element
    berikut = next((x for x in settings if x.tag in {qn(f"w:{n}") for n in sesudah}), None)
    if berikut is None:
        settings.append(el)
    else:
        berikut.addprevious(el)


def _halaman(doc: DocumentObject, d: Dokumen) -> None:
    s = doc.sections[0]
    s.orientation = WD_ORIENT.PORTRAIT
    s.page_width, s.page_height = Cm(21.0), Cm(29.7)
    s.left_margin, s.right_margin, s.top_margin, s.bottom_margin = Cm(3), Cm(2), Cm(2.5), Cm(2.5)
    f = s.footer.paragraphs[0]
    f.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(f, "PAGE", "1")
    h = s.header.paragraphs[0]
    h.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    r = h.add_run(f"Draf LKjIP {d.tahun} — {d.instansi}")
    r.font.size = Pt(8)
    r.italic = True


def _sampul(doc: DocumentObject, d: Dokumen) -> None:
    for teks, ukuran in (("LAPORAN KINERJA INSTANSI PEMERINTAH", 18), (f"(LKjIP) TAHUN {d.tahun}", 18),
                         ("", 12), (d.instansi.upper(), 14)):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_before = Pt(24)
        r = p.add_run(teks)
        r.bold = True
        r.font.size = Pt(ukuran)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Pt(120)
    r = p.add_run(f"DRAF — disusun dari data Pantau pada {format_date(d.disusun)}. Bagian bertanda "
                  "\"[Draf — lengkapi: …]\" wajib dilengkapi penyusun sebelum ditandatangani.")
    r.italic = True
    r.font.color.rgb = WARNA_DRAF


def _rujukan(n: int) -> str:
    """A footnote reference: Word and LibreOffice number it and print the note at the foot of the page."""
    return (f'<w:r {nsdecls("w")}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            f'<w:footnoteReference w:id="{n}"/></w:r>')


def _catatan(par: Paragraph, nomor: list[int]) -> None:
    for n in nomor:
        par._p.append(parse_xml(_rujukan(n)))


def _bagian_catatan_kaki(doc: DocumentObject, catatan_kaki: dict[int, str]) -> None:
    """The footnotes part (word/footnotes.xml): the two separators Word expects, then one note per number."""
    def catatan(n: int, teks: str) -> str:
        return (f'<w:footnote w:id="{n}"><w:p><w:pPr><w:spacing w:after="0"/></w:pPr><w:r><w:rPr>'
                f'<w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r><w:r><w:rPr><w:sz w:val="16"/>'
                f'<w:szCs w:val="16"/></w:rPr><w:t xml:space="preserve"> {escape(teks)}</w:t></w:r></w:p></w:footnote>')

    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {nsdecls("w")}>'
           '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
           '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
           '</w:footnote>' + "".join(catatan(n, t) for n, t in sorted(catatan_kaki.items())) + "</w:footnotes>")
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, xml.encode(), doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)
    # Word's own files name the two separators in the settings as well.
    _sisipkan_pengaturan(doc, parse_xml(f'<w:footnotePr {nsdecls("w")}><w:footnote w:id="-1"/><w:footnote w:id="0"/>'
                                        '</w:footnotePr>'), SESUDAH_UPDATE_FIELDS[2:])


def _gaya_paragraf(par: Paragraph, style_id: str) -> None:
    # Setting the style id directly: python-docx's lookup by name costs milliseconds per paragraph.
    par._p.get_or_add_pPr().get_or_add_pStyle().val = style_id


def _judul_tabel(doc: DocumentObject, t: Tabel) -> None:
    p = doc.add_paragraph()
    _gaya_paragraf(p, "Caption")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.keep_with_next = True
    p.add_run(f"Tabel {t.nomor} {t.judul}")


def _run(teks: str, ukuran: int, tebal: bool = False) -> str:
    rpr = ("<w:b/>" if tebal else "") + f'<w:sz w:val="{ukuran}"/><w:szCs w:val="{ukuran}"/>'
    return f'<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve">{escape(teks)}</w:t></w:r>'


def _sel_xml(sel: Sel, lebar: int, ukuran: int, tebal: bool, tengah: bool) -> str:
    jc = '<w:jc w:val="center"/>' if tengah else ""
    runs = _run(sel.teks, ukuran, tebal) + "".join(_rujukan(n).replace(f' {nsdecls("w")}', "")
                                                   for n in sel.catatan)
    return (f'<w:tc><w:tcPr><w:tcW w:w="{lebar}" w:type="dxa"/></w:tcPr><w:p><w:pPr>'
            f'<w:spacing w:before="0" w:after="0"/>{jc}</w:pPr>{runs}</w:p></w:tc>')


def _tabel_xml(t: Tabel, ncol: int) -> str:
    """The whole table as WordprocessingML in one string: far faster than python-docx's cell-by-cell API."""
    lebar = t.lebar if len(t.lebar) == ncol else [1.0] * ncol
    dxa = [round(LEBAR_ISI_CM * w / sum(lebar) * TWIP_PER_CM) for w in lebar]
    ukuran = 16 if t.kecil else 19  # half-points: 8 pt, 9,5 pt
    kosong = Sel(teks="")
    baris: list[str] = []
    for kepala in t.kepala:
        sel = "".join(_sel_xml(Sel(teks=k), dxa[i], ukuran, True, True) for i, k in enumerate(kepala))
        # tblHeader: Word and LibreOffice repeat these rows at the top of every page the table runs onto.
        baris.append(f'<w:tr><w:trPr><w:tblHeader/></w:trPr>{sel}</w:tr>')
    for j, isi in enumerate(t.baris):
        sel = "".join(_sel_xml(isi[i] if i < len(isi) else kosong, dxa[i], ukuran, j in t.tebal, False)
                      for i in range(ncol))
        baris.append(f"<w:tr>{sel}</w:tr>")
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in dxa)
    return (f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{sum(dxa)}" w:type="dxa"/>'
            '<w:jc w:val="center"/><w:tblLayout w:type="fixed"/></w:tblPr>'
            f'<w:tblGrid>{grid}</w:tblGrid>{"".join(baris)}</w:tbl>')


def _tabel(doc: DocumentObject, t: Tabel) -> None:
    _judul_tabel(doc, t)
    ncol = max([len(k) for k in t.kepala] + [len(b) for b in t.baris])
    doc.element.body._insert_tbl(parse_xml(_tabel_xml(t, ncol)))
    if t.keterangan:
        p = doc.add_paragraph()
        r = p.add_run(f"Keterangan: {t.keterangan}")
        r.font.size = Pt(8)


def _gambar(doc: DocumentObject, g: Gambar) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.keep_with_next = True
    p.add_run().add_picture(io.BytesIO(g.png), width=Cm(LEBAR_ISI_CM))
    c = doc.add_paragraph()
    _gaya_paragraf(c, "Caption")
    c.alignment = WD_ALIGN_PARAGRAPH.CENTER
    c.add_run(f"Gambar {g.nomor} {g.judul}")


def tulis(dok: Dokumen, target: str | Path | IO[bytes]) -> None:
    """Write the outline as a .docx file."""
    doc = Document()
    _gaya(doc)
    _halaman(doc, dok)
    doc.paragraphs[0]._p.getparent().remove(doc.paragraphs[0]._p) if doc.paragraphs else None
    for b in dok.blok:
        if isinstance(b, Khusus):
            if b.jenis == "sampul":
                _sampul(doc, dok)
            elif b.jenis == "halaman_baru":
                doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            else:
                doc.add_heading("DAFTAR ISI", 1)
                # Until the field is updated (Word asks on opening; F9), it shows the headings without pages.
                isi = [("    " * (j.tingkat - 1)) + j.teks for j in dok.blok if isinstance(j, Judul) and j.tingkat <= 2
                       and j.teks not in ("KATA PENGANTAR", "IKHTISAR EKSEKUTIF")]
                _field(doc.add_paragraph(), 'TOC \\o "1-3" \\h \\z \\u', isi)
        elif isinstance(b, Judul):
            doc.add_heading(b.teks, b.tingkat)
        elif isinstance(b, Paragraf):
            p = doc.add_paragraph()
            p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            r = p.add_run(b.teks)
            if b.draf:
                r.italic = True
                r.font.color.rgb = WARNA_DRAF
            _catatan(p, b.catatan)
        elif isinstance(b, Tabel):
            _tabel(doc, b)
        elif isinstance(b, Gambar):
            _gambar(doc, b)
    if dok.catatan_kaki:
        _bagian_catatan_kaki(doc, dok.catatan_kaki)
    doc.core_properties.title = f"LKjIP {dok.tahun} — {dok.instansi} (draf)"
    doc.core_properties.author = "Pantau"
    doc.save(target)  # type: ignore[arg-type]


def render(data: DataLkjip) -> bytes:
    """The draft as .docx bytes: compose (charts included) and write."""
    buf = io.BytesIO()
    tulis(susun(data), buf)
    return buf.getvalue()


class PdfTidakTersedia(RuntimeError):
    """LibreOffice (soffice) is not installed or the conversion failed."""


def ke_pdf(isi_docx: bytes, batas_detik: float = 120) -> bytes:
    """Convert a .docx to PDF with LibreOffice (`soffice --headless --convert-to pdf`)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise PdfTidakTersedia("Konversi ke PDF tidak tersedia: LibreOffice (soffice) tidak terpasang di mesin ini. "
                               "Pasang paket libreoffice-writer-nogui, atau unduh DOCX lalu simpan sebagai PDF.")
    with tempfile.TemporaryDirectory() as tmp:
        sumber = Path(tmp) / "lkjip.docx"
        sumber.write_bytes(isi_docx)
        # A private profile directory, so a running LibreOffice of the same user does not swallow the call.
        profil = Path(tmp, "profil").as_uri()
        try:
            subprocess.run([soffice, f"-env:UserInstallation={profil}", "--headless", "--convert-to", "pdf",
                            "--outdir", tmp, str(sumber)], check=True, capture_output=True, timeout=batas_detik)
        except (subprocess.SubprocessError, OSError) as exc:
            raise PdfTidakTersedia(f"Konversi ke PDF gagal: {exc}") from exc
        hasil = Path(tmp) / "lkjip.pdf"
        if not hasil.exists():
            raise PdfTidakTersedia("Konversi ke PDF gagal: LibreOffice tidak menghasilkan berkas PDF.")
        return hasil.read_bytes()
