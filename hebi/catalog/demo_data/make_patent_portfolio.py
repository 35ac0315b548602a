"""Write the demo patent portfolio of 吉林大学 for the bulk import (存量专利盘活) demo.

    .venv/bin/python hebi/catalog/demo_data/make_patent_portfolio.py

README — FICTIONAL DEMO DATA. Every record written here is invented for the demonstration:
the application numbers (with correctly computed check digits), titles, abstracts, inventors
and dates do not describe real patents, and the inventors are made-up names. Only the
applicant's name (吉林大学) and the broad fields (automotive, optoelectronics, materials,
biomedicine, agriculture, geosciences) reflect the real institution's strengths.

Output (deterministic: run it twice, get the same bytes):
- jlu_patent_portfolio.xlsx — 60 valid patents and 4 deliberately bad rows (a wrong check
  digit, a missing title, an impossible date, a repeated number), so that a demo user sees the
  per-row errors and chooses “仅导入有效行”;
- jlu_patent_portfolio.csv — the same rows, GBK-encoded (to prove GBK), dates written in the
  different ways people type them;
- patent_import_template.xlsx / .csv — the header only (the CSV in UTF-8 with BOM, which Excel
  opens correctly), the .xlsx with a second sheet explaining each column.
"""

from __future__ import annotations

import csv
import datetime
import io
import random
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from openpyxl import Workbook  # noqa: E402
from openpyxl.styles import Font  # noqa: E402

from hebi.catalog.patents import check_character  # noqa: E402

HEADER = [
    "申请号",
    "公开（公告）号",
    "专利名称",
    "摘要",
    "IPC分类号",
    "申请人",
    "发明人",
    "法律状态",
    "申请日",
    "公开日",
    "授权日",
    "权利要求数",
]
COLUMN_NOTES = [
    ("申请号", "必填。如 201910123451.7（12 位数字加校验位）；也可写 ZL201910123451.7 或 CN2019101234517。"),
    ("公开（公告）号", "选填。如 CN110123456A、CN110123456B。"),
    ("专利名称", "必填，不超过 300 字。"),
    ("摘要", "选填，不超过 5000 字。"),
    ("IPC分类号", "选填。多个分类号用分号、逗号或空格分隔，如 B60L58/12; H01M10/052。"),
    ("申请人", "选填。多个申请人用分号分隔。"),
    ("发明人", "选填。多个发明人用分号、逗号或顿号分隔。"),
    ("法律状态", "必填。可填：有效（授权）、审中（实审）、失效、期满终止、驳回、撤回。"),
    ("申请日", "必填。如 2019-05-06、2019/5/6 或 20190506，或 Excel 日期单元格。"),
    ("公开日", "选填，格式同申请日。"),
    ("授权日", "选填，格式同申请日。"),
    ("权利要求数", "选填，1 至 999 的整数。"),
]
AS_OF = datetime.date(2024, 12, 31)
FIRST_FILING = datetime.date(2012, 1, 1)
LAST_FILING = datetime.date(2024, 10, 31)
FIXED_ZIP_TIME = (2024, 12, 31, 0, 0, 0)
APPLICANT = "吉林大学"

# (title, field, IPC codes, kind) — kind: 1 invention, 2 utility model, 3 design.
PATENTS = [
    ("一种基于模型预测控制的电动汽车轮毂电机转矩分配方法", "auto", "B60L15/20; B60W30/02", 1),
    ("一种混合动力汽车能量管理策略的在线优化方法", "auto", "B60W20/11; B60W10/06", 1),
    ("一种车辆线控转向系统的路感模拟装置", "auto", "B62D5/04; B62D6/00", 1),
    ("一种基于多传感器融合的智能汽车车道保持控制方法", "auto", "B60W30/12; G06V20/56", 1),
    ("一种商用车空气悬架高度调节装置", "auto", "B60G17/052", 2),
    ("一种动力电池包液冷散热结构", "auto", "H01M10/613; H01M10/6556", 2),
    ("一种汽车座椅骨架轻量化冲压成形方法", "auto", "B21D22/02; B60N2/68", 1),
    ("一种重型柴油机尾气后处理装置", "auto", "F01N3/20; F01N3/035", 2),
    ("一种汽车零部件激光焊接质量在线检测方法", "auto", "B23K26/03; G01N21/88", 1),
    ("一种仿生非光滑表面耐磨犁铧", "agri", "A01B15/02; A01B15/04", 2),
    ("一种仿生减阻车身覆盖件及其成形方法", "auto", "B62D35/00; B21D22/20", 1),
    ("一种汽车驾驶模拟器的六自由度运动平台", "auto", "G09B9/05; G09B9/12", 1),
    ("一种有机电致发光器件及其制备方法", "photo", "H10K50/11; H10K71/00", 1),
    ("一种基于聚合物波导的热光开关", "photo", "G02F1/01; G02B6/12", 1),
    ("一种高功率半导体激光器的光束整形装置", "photo", "H01S5/00; G02B27/09", 1),
    ("一种钙钛矿量子点发光二极管及其制备方法", "photo", "H10K50/115; C09K11/66", 1),
    ("一种飞秒激光加工微透镜阵列的方法", "photo", "B23K26/0622; G02B3/00", 1),
    ("一种柔性透明导电薄膜及其制备方法", "photo", "H01B5/14; H01B13/00", 1),
    ("一种红外探测器读出电路", "photo", "G01J5/20; H04N25/30", 1),
    ("一种可调谐窄线宽光纤激光器", "photo", "H01S3/067; H01S3/10", 2),
    ("一种纳米孪晶立方氮化硼超硬材料的高温高压合成方法", "material", "C04B35/5831; B01J3/06", 1),
    ("一种高熵合金涂层及其激光熔覆制备方法", "material", "C23C24/10; C22C30/00", 1),
    ("一种镁合金表面微弧氧化膜层的封孔方法", "material", "C25D11/30; C25D11/18", 1),
    ("一种碳纤维增强热塑性复合材料的成型方法", "material", "B29C70/42; C08J5/04", 1),
    ("一种聚醚醚酮基导热复合材料及其制备方法", "material", "C08L61/16; C08K3/38", 1),
    ("一种可降解聚乳酸发泡材料的制备方法", "material", "C08J9/12; C08L67/04", 1),
    ("一种锂离子电池硅碳负极材料及其制备方法", "material", "H01M4/36; H01M4/38; H01M4/587", 1),
    ("一种硫化物固态电解质薄膜的制备方法", "material", "H01M10/0562; H01M10/058", 1),
    ("一种多级孔ZSM-5分子筛的合成方法", "material", "C01B39/40; B01J29/40", 1),
    ("一种分子筛催化剂及其在甲醇制烯烃中的应用", "material", "B01J29/85; C07C1/20", 1),
    ("一种超硬材料合成用六面顶压机的加热组件", "material", "B01J3/06; B30B11/00", 2),
    ("一种检测非洲猪瘟病毒的荧光定量PCR引物探针组合及试剂盒", "bio", "C12Q1/70; C12Q1/6851", 1),
    ("一种人参皂苷Rg3纳米制剂及其制备方法", "bio", "A61K31/704; A61K9/51; A61P35/00", 1),
    ("一种用于骨缺损修复的可降解多孔支架及其制备方法", "bio", "A61L27/56; A61L27/18", 1),
    ("一种梅花鹿茸多肽提取物及其在抗疲劳中的应用", "bio", "A61K35/32; A61P43/00", 1),
    ("一种肿瘤靶向药物递送纳米载体", "bio", "A61K47/69; A61K9/51", 1),
    ("一种基于深度学习的眼底图像病变识别方法", "bio", "G06T7/00; G06V10/82; A61B3/12", 1),
    ("一种医用可降解镁合金血管支架", "bio", "A61L31/02; A61F2/82", 1),
    ("一种便携式多通道核酸快速检测仪", "bio", "C12M1/34; G01N21/64", 2),
    ("手持式核酸检测仪", "bio", "", 3),
    ("一种玉米秸秆还田深翻犁", "agri", "A01B3/24; A01B79/02", 2),
    ("一种玉米籽粒机械化收获损失检测装置", "agri", "A01D41/127; G01N33/02", 2),
    ("一种黑土地保护性耕作免耕播种机", "agri", "A01C7/20; A01B49/06", 1),
    ("一种大豆抗旱相关基因GmDRT1及其应用", "agri", "C07K14/415; C12N15/82", 1),
    ("一种寒地水稻育秧基质及其制备方法", "agri", "A01G24/20; A01G24/10", 1),
    ("一种基于无人机多光谱影像的玉米长势监测方法", "agri", "G06V20/17; G01N21/31", 1),
    ("一种秸秆生物炭基缓释肥料及其制备方法", "agri", "C05G3/40; C05F11/00", 1),
    ("一种梅花鹿养殖用自动饲喂装置", "agri", "A01K5/02", 2),
    ("田间土壤采样器", "agri", "", 3),
    ("一种地下管线探测的探地雷达数据处理方法", "geo", "G01V3/12; G01S13/88", 1),
    ("一种油页岩原位转化电加热装置", "geo", "E21B43/24; E21B36/04", 1),
    ("一种冻土区天然气水合物钻探保温保压取心装置", "geo", "E21B25/08; E21B36/00", 1),
    ("一种航空电磁法数据的三维反演方法", "geo", "G01V3/16; G06F17/11", 1),
    ("一种深部钻探用孕镶金刚石钻头", "geo", "E21B10/46", 2),
    ("一种基于图神经网络的城市交通流量预测方法", "it", "G08G1/01; G06N3/04", 1),
    ("一种工业机器人关节减速器的故障诊断方法", "it", "G01M13/028; B25J19/00", 1),
    ("一种数控机床主轴热误差补偿方法", "it", "B23Q15/18; G05B19/404", 1),
    ("一种面向边缘计算的深度神经网络模型压缩方法", "it", "G06N3/082; G06N3/0495", 1),
    ("一种基于区块链的科技成果登记存证方法", "it", "G06F21/64; H04L9/00", 1),
    ("一种生物医学信号采集的低功耗模数转换电路", "it", "H03M1/12; A61B5/00", 1),
]

FIELD_TEXT = {
    "auto": (
        "针对现有车辆在复杂工况下{problem}的问题",
        ["控制精度不足", "能耗偏高", "响应滞后", "可靠性不足", "成本偏高"],
        "可提高整车的动力性、经济性与安全性，适用于乘用车及商用车的批量生产",
    ),
    "photo": (
        "针对现有光电器件{problem}的问题",
        ["效率偏低", "稳定性差", "工艺复杂", "成本偏高", "集成度低"],
        "器件性能稳定、工艺兼容性好，可用于显示、照明、光通信与传感等领域",
    ),
    "material": (
        "针对现有材料{problem}的问题",
        ["综合性能不足", "制备工艺复杂", "成本偏高", "服役寿命短", "难以规模化生产"],
        "原料易得、工艺可控，适于工业化生产，可用于汽车、能源与装备制造等领域",
    ),
    "bio": (
        "针对现有技术{problem}的问题",
        ["检测灵敏度不足", "生物利用度低", "副作用较大", "操作繁琐", "成本偏高"],
        "具有特异性强、安全性好、操作简便等优点，可用于临床诊疗、动物疫病防控或健康产品开发",
    ),
    "agri": (
        "针对东北黑土区农业生产中{problem}的问题",
        ["作业效率低", "损失率高", "土壤退化", "投入成本高", "抗逆性不足"],
        "结构简单、作业可靠，有利于保护黑土地、节本增效，适用于玉米、大豆、水稻等主要作物",
    ),
    "geo": (
        "针对深部及复杂地层勘探开发中{problem}的问题",
        ["探测精度低", "施工效率低", "取样扰动大", "能耗高", "适应性差"],
        "可提高勘探开发的效率与安全性，适用于油气、矿产与非常规能源领域",
    ),
    "it": (
        "针对现有方法{problem}的问题",
        ["计算量大", "精度不足", "实时性差", "鲁棒性不足", "部署困难"],
        "准确率高、实时性好，便于在工业现场与城市管理中推广应用",
    ),
}

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏飞宇浩然博文晨阳欣怡思雨"
    "佳琪子涵梓轩一鸣志远建国立新海波晓东春雷雪梅冬梅秋实"
)


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def _add_days(day: datetime.date, days: int) -> datetime.date:
    return day + datetime.timedelta(days=days)


def _serial(day: datetime.date, base: int, per_day: int, rng: random.Random) -> int:
    """Publication numbers grow with the publication date, as CNIPA's do."""
    return base + (day - FIRST_FILING).days * per_day + rng.randrange(0, per_day)


def _abstract(title: str, field: str, kind: int, rng: random.Random) -> str:
    problem_template, problems, effect = FIELD_TEXT[field]
    subject = title.removeprefix("一种")
    if kind == 3:
        use = subject.removesuffix("仪").removesuffix("器")
        return (
            f"1．本外观设计产品的名称：{title}。2．本外观设计产品的用途：用于{use}相关作业。"
            "3．本外观设计产品的设计要点：在于形状。4．最能表明设计要点的图片或照片：立体图。"
        )
    who = "本发明" if kind == 1 else "本实用新型"
    problem = problem_template.format(problem=rng.choice(problems))
    if any(word in title for word in ("基因", "引物", "制剂", "提取物", "载体")):
        body = "经体外与动物实验验证，其有效性与安全性均优于对照组，具有良好的应用前景"
    elif any(word in title for word in ("材料", "制备", "合成", "薄膜", "涂层", "催化剂", "基质", "肥料")):
        body = "通过调控原料配比、反应温度与保温时间，获得组织均匀、性能优良的产品，制备过程无需特殊设备"
    elif "方法" in title:
        body = "该方法包括数据获取、参数辨识、优化求解与结果校验等步骤，各步骤之间通过闭环反馈相互修正"
    else:
        body = "该装置主要由支撑机构、执行机构、传感单元与控制单元组成，各部件布置紧凑、拆装方便"
    return f"{who}公开了{title}，{problem}，提出了新的技术方案。{body}。{who}{effect}。"


def build_rows() -> list[list[object]]:
    rng = random.Random(20240701)
    rows: list[list[object]] = []
    used: set[str] = set()
    for title, field, ipc, kind in PATENTS:
        filed = _add_days(FIRST_FILING, rng.randrange(0, (LAST_FILING - FIRST_FILING).days))
        while True:
            serial = rng.randrange(100000, 1999999) if kind == 1 else rng.randrange(0, 9999999)
            body = f"{filed.year}{kind}{serial:07d}"
            if body not in used:
                used.add(body)
                break
        number = f"{body}.{check_character(body)}"
        publication = grant = None
        status = "有效"
        if kind == 1:
            publication = _add_days(filed, rng.randrange(180, 560))
            age = (AS_OF - filed).days
            roll = rng.random()
            if age < 2.5 * 365:
                status = "实审" if roll < 0.8 else "驳回"
            elif roll < 0.62:
                grant = _add_days(filed, rng.randrange(720, 1400))
                status = "有效" if grant <= AS_OF else "实审"
                if grant > AS_OF:
                    grant = None
            elif roll < 0.8:
                grant = _add_days(filed, rng.randrange(720, 1100))
                status = "未缴年费专利权终止"
            elif roll < 0.9:
                status = "驳回"
            else:
                status = "视为撤回"
            if publication > AS_OF:
                publication = None
            pub_number = f"CN{_serial(publication or filed, 102_000_000, 3600, rng)}{'B' if grant else 'A'}"
        else:
            grant = _add_days(filed, rng.randrange(150, 330))
            if grant > AS_OF:
                grant = _add_days(filed, 60)
            publication = grant
            status = "有效" if (AS_OF - filed).days < 8 * 365 or rng.random() < 0.5 else "失效"
            if kind == 3 and (AS_OF - filed).days > 10 * 365:
                status = "期满终止"
            pub_number = (
                f"CN{rng.randrange(202000000, 221999999)}U"
                if kind == 2
                else f"CN{rng.randrange(302000000, 308999999)}S"
            )
        inventors = "；".join(dict.fromkeys(_name(rng) for _ in range(rng.randrange(2, 7))))
        claims = "" if kind == 3 else rng.randrange(5, 21) if kind == 1 else rng.randrange(3, 11)
        rows.append(
            [
                number,
                pub_number,
                title,
                _abstract(title, field, kind, rng),
                ipc,
                APPLICANT,
                inventors,
                status,
                filed,
                publication,
                grant,
                claims,
            ]
        )
    rows.sort(key=lambda r: (r[8], r[0]))  # type: ignore[operator]
    return _with_bad_rows(rows)


def _with_bad_rows(rows: list[list[object]]) -> list[list[object]]:
    """Insert four rows a real portfolio export would contain by mistake."""
    wrong_check = list(rows[10])
    body = str(wrong_check[0]).split(".")[0]
    body = f"{body[:-3]}{(int(body[-3:]) + 7) % 1000:03d}"
    wrong = str((int(check_character(body)) + 1) % 10) if check_character(body) != "X" else "0"
    wrong_check[0] = f"{body}.{wrong}"
    wrong_check[1] = ""
    wrong_check[2] = "一种车载激光雷达点云的实时聚类方法"
    wrong_check[3] = (
        "本发明公开了一种车载激光雷达点云的实时聚类方法，针对现有方法实时性差的问题，提出了新的技术方案。"
        "该方法包括点云预处理、地面分割、快速聚类与目标跟踪等步骤。本发明准确率高、实时性好，"
        "可用于智能网联汽车的环境感知。"
    )
    wrong_check[4] = "G01S17/931; G06V20/58"
    missing_title = list(rows[25])
    body = f"{str(missing_title[0])[:4]}1{(int(str(missing_title[0])[5:12]) + 13) % 10000000:07d}"
    missing_title[0] = f"{body}.{check_character(body)}"
    missing_title[1] = ""
    missing_title[2] = ""
    missing_title[3] = "本发明公开了一种车身结构件的热成形工艺，可减轻车身重量并提高碰撞安全性。"
    bad_date = list(rows[40])
    body = f"{str(bad_date[0])[:4]}2{(int(str(bad_date[0])[5:12]) + 29) % 10000000:07d}"
    bad_date[0] = f"{body}.{check_character(body)}"
    bad_date[1] = ""
    bad_date[2] = "一种玉米收获机清选筛的振动调节装置"
    bad_date[3] = (
        "本实用新型公开了一种玉米收获机清选筛的振动调节装置，针对东北黑土区农业生产中损失率高的问题，"
        "提出了新的技术方案。该装置由偏心驱动机构、振幅调节机构与控制单元组成，可随喂入量调节筛面振幅。"
    )
    bad_date[4] = "A01F12/44; A01D41/12"
    bad_date[11] = 6
    bad_date[8] = "2019-02-30"
    duplicate = list(rows[5])
    duplicate[2] = f"{duplicate[2]}（重复登记）"
    out = list(rows)
    for position, row in ((12, wrong_check), (27, missing_title), (43, bad_date), (56, duplicate)):
        out.insert(position, row)
    return out


def _date_text(value: object, style: int) -> object:
    if not isinstance(value, datetime.date):
        return value if value is not None else ""
    if style == 0:
        return value.isoformat()
    if style == 1:
        return f"{value.year}/{value.month}/{value.day}"
    return value.strftime("%Y%m%d")


def _stable_zip(data: bytes) -> bytes:
    """Rewrite an .xlsx with fixed timestamps so that the file is the same on every run."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", b"2024-12-31T00:00:00Z", content)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()


def _save(workbook: Workbook, path: Path) -> None:
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(_stable_zip(buffer.getvalue()))


def write_xlsx(rows: list[list[object]], path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "专利清单"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for number_row in sheet.iter_rows(min_row=2):
        for cell in number_row[8:11]:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEFGHIJKL", (18, 16, 40, 60, 24, 12, 24, 14, 12, 12, 12, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    _save(workbook, path)


def write_csv(rows: list[list[object]], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for index, row in enumerate(rows):
        # People type dates in several ways; the importer reads them all.
        writer.writerow([_date_text(v, index % 3) for v in row])
    path.write_bytes(buffer.getvalue().encode("gbk"))


def write_templates(directory: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "专利清单"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "说明"])
    for row in COLUMN_NOTES:
        notes.append(list(row))
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 90
    _save(workbook, directory / "patent_import_template.xlsx")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(HEADER)
    (directory / "patent_import_template.csv").write_bytes(buffer.getvalue().encode("utf-8-sig"))


def main() -> None:
    rows = build_rows()
    write_xlsx(rows, HERE / "jlu_patent_portfolio.xlsx")
    write_csv(rows, HERE / "jlu_patent_portfolio.csv")
    write_templates(HERE)
    print(f"{len(rows)} rows (60 valid, 4 deliberately bad) written to {HERE}")


if __name__ == "__main__":
    main()
