"""Word lists for demo data: trade names (字号), industry words, legal forms, people.

Place names, region codes and industry codes are *not* listed here: they are read from the
national code tables (``xinren.standards.codes``) at run time, so demo data always uses the
codes the installed tables know.
"""

from __future__ import annotations

# Two-character trade names are built from these (first × second, no doubled character):
# 云启, 华信, 恒泰, 鼎盛 … about 900 combinations.
TRADE_FIRST = "云华恒鼎博瑞中天新金嘉永卓汇德正安宏盛兴联达信通海光明益佳和"
TRADE_SECOND = "启信泰盛瑞科宇锐辰禾联越通凯元达源远诚创丰讯星驰邦隆祥鑫捷润"

# Industry words: (Chinese, English, GB/T 4754 section, preferred divisions). A word is used
# only when its section exists in the installed industry table; the company's industry code
# is one of the preferred divisions that exists, else any division of the section.
INDUSTRY_WORDS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("农业科技", "Agricultural Technology", "A", ("01",)),
    ("生态农业", "Eco-Agriculture", "A", ("01", "03")),
    ("矿业", "Mining", "B", ("09", "10")),
    ("食品", "Food", "C", ("13", "14")),
    ("纺织", "Textile", "C", ("17", "18")),
    ("新材料", "New Materials", "C", ("26", "29", "30")),
    ("医药", "Pharmaceutical", "C", ("27",)),
    ("机械制造", "Machinery Manufacturing", "C", ("34", "35")),
    ("汽车零部件", "Auto Parts", "C", ("36",)),
    ("电气", "Electric", "C", ("38",)),
    ("电子", "Electronics", "C", ("39", "38")),
    ("精密仪器", "Precision Instruments", "C", ("40",)),
    ("能源", "Energy", "D", ("44",)),
    ("燃气", "Gas", "D", ("45",)),
    ("建设工程", "Construction Engineering", "E", ("48", "47")),
    ("建筑安装", "Building Installation", "E", ("49",)),
    ("贸易", "Trading", "F", ("51",)),
    ("商贸", "Commerce and Trade", "F", ("51", "52")),
    ("供应链管理", "Supply Chain Management", "F", ("51",)),
    ("物流", "Logistics", "G", ("58", "59", "54")),
    ("运输", "Transportation", "G", ("54",)),
    ("酒店管理", "Hotel Management", "H", ("61",)),
    ("餐饮管理", "Catering Management", "H", ("62",)),
    ("信息科技", "Information Technology", "I", ("65", "64")),
    ("软件", "Software", "I", ("65",)),
    ("网络科技", "Network Technology", "I", ("64",)),
    ("数据科技", "Data Technology", "I", ("65",)),
    ("投资", "Investment", "J", ("67", "69")),
    ("融资租赁", "Financial Leasing", "J", ("66", "69")),
    ("置业", "Real Estate", "K", ("70",)),
    ("物业服务", "Property Services", "K", ("70",)),
    ("商务咨询", "Business Consulting", "L", ("72",)),
    ("企业管理", "Enterprise Management", "L", ("72",)),
    ("广告", "Advertising", "L", ("72",)),
    ("设备租赁", "Equipment Leasing", "L", ("71",)),
    ("检测技术", "Testing Technology", "M", ("74",)),
    ("生物科技", "Biotechnology", "M", ("73", "75")),
    ("环保科技", "Environmental Technology", "N", ("77",)),
    ("家政服务", "Household Services", "O", ("80",)),
    ("教育科技", "Education Technology", "P", ("83",)),
    ("健康管理", "Health Management", "Q", ("84",)),
    ("文化传媒", "Culture and Media", "R", ("86", "88")),
]

# Main business by section (the industry word is put in front).
MAIN_BUSINESS = {
    "A": "种植、养殖技术服务及农产品销售",
    "B": "矿产资源勘探、开采与销售",
    "C": "产品的研发、生产和销售",
    "D": "生产、供应及相关技术服务",
    "E": "工程施工、安装及技术咨询",
    "F": "商品的批发、零售及进出口",
    "G": "货物运输、仓储及配送服务",
    "H": "经营管理与服务",
    "I": "技术开发、技术服务、系统集成及运维",
    "J": "投资管理及金融服务",
    "K": "开发、经营与物业管理",
    "L": "咨询、策划与商务服务",
    "M": "技术研发、检验检测及成果转化",
    "N": "环境治理与工程服务",
    "O": "居民生活服务",
    "P": "教育培训及课程研发",
    "Q": "健康咨询与服务",
    "R": "内容制作、发行与推广",
}

# (Chinese, English) — the entity type is always an enterprise (USCC 91…).
LEGAL_FORMS = [
    ("有限公司", "Co., Ltd."),
    ("有限责任公司", "Co., Ltd."),
    ("股份有限公司", "Corporation Limited"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
COMPOUND_SURNAMES = ["欧阳", "司马", "上官", "诸葛"]
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰文辉婷雪琳浩宇晨欣怡子轩梓涵俊杰"

CONTACT_ROLES = [
    # title, department, decision role, weight
    ("总经理", "总经办", "decision_maker", 3),
    ("董事长", "董事会", "decision_maker", 1),
    ("副总经理", "总经办", "decision_maker", 2),
    ("采购经理", "采购部", "purchaser", 4),
    ("采购主管", "采购部", "purchaser", 2),
    ("技术总监", "技术部", "influencer", 3),
    ("财务总监", "财务部", "influencer", 2),
    ("信息部经理", "信息部", "user", 2),
    ("项目经理", "项目部", "user", 3),
    ("行政主管", "行政部", "user", 2),
]

SOURCES = ["展会", "老客户转介绍", "官网咨询", "电话营销", "招投标", "合作伙伴推荐", "行业协会"]

ROADS = [
    "人民路",
    "建设路",
    "解放路",
    "中山路",
    "科技路",
    "文化路",
    "长江路",
    "滨江大道",
    "创业大道",
    "高新大道",
    "学院路",
    "工业园路",
    "金融街",
    "世纪大道",
    "新华路",
]

PAIN_POINTS = [
    "回款周期长，账期管理靠人工台账",
    "客户资料分散在各部门的Excel里，重复录入",
    "售后响应慢，投诉处理没有闭环",
    "销售人员流动大，客户关系随人走",
    "报价审批流程长，容易错过商机",
    "多家子公司重复拜访同一客户",
    "缺少客户分级，服务资源平均分配",
]

# Landline area codes by province-level prefix (the first two digits of a region code).
AREA_CODES = {
    "11": "010",
    "12": "022",
    "13": "0311",
    "14": "0351",
    "15": "0471",
    "21": "024",
    "22": "0431",
    "23": "0451",
    "31": "021",
    "32": "025",
    "33": "0571",
    "34": "0551",
    "35": "0591",
    "36": "0791",
    "37": "0531",
    "41": "0371",
    "42": "027",
    "43": "0731",
    "44": "020",
    "45": "0771",
    "46": "0898",
    "50": "023",
    "51": "028",
    "52": "0851",
    "53": "0871",
    "54": "0891",
    "61": "029",
    "62": "0931",
    "63": "0971",
    "64": "0951",
    "65": "0991",
}
