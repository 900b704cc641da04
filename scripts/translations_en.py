"""English for the interface's Chinese messages: fills src/yingji/*/locale/en/LC_MESSAGES/django.po.

Run after `yingji makemessages -l en` (from src/yingji), then `yingji compilemessages`;
`make messages` does all three. Messages the table does not know are listed and left empty.
A message with a plural (`{% blocktranslate count %}`, ngettext) takes a (singular, plural) pair.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ENGLISH: dict[str, str | tuple[str, str]] = {
    "首页": "Home",
    "一张图": "Map",
    "单位": "Organizations",
    "账号": "Accounts",
    "审计日志": "Audit log",
    "乡镇（街道）": "Townships",
    "村（居）": "Villages",
    "县级行政区": "Counties",
    "人口密度": "Population density",
    "图例": "Legend",
    "未找到": "Not found",
    "您要找的页面不存在，或不在您的管辖范围内。": "The page does not exist or is outside your jurisdiction.",
    "返回首页": "Back to the home page",
    "上一页": "Previous",
    "第 %(n)s / %(total)s 页": "Page %(n)s of %(total)s",
    "下一页": "Next",
    "日期须在 %(earliest)s 至 %(latest)s 之间": "The date must lie between %(earliest)s and %(latest)s",
    "每一次状态变更都记录在此，记录之间以哈希链相连，可用 yingji audit verify 校验是否被篡改。": (
        "Every change of state is recorded here; entries are hash-chained, and `yingji audit verify` "
        "detects tampering."
    ),
    "时间": "Time",
    "操作人": "Actor",
    "操作": "Action",
    "对象": "Object",
    "区划": "Region",
    "哈希": "Hash",
    "暂无记录": "No entries",
    "应急管理平台": "Emergency management platform",
    "应急": "Yingji",
    "忻州市应急管理平台": "Xinzhou Emergency Management",
    "退出": "Sign out",
    "概况": "Overview",
    "常住人口（2020年普查）": "Population (2020 census)",
    "面积（平方公里）": "Area (km²)",
    "各县（市、区）": "Counties",
    "统计于 %(time)s，每 %(seconds)s 秒更新": "Counted at %(time)s, refreshed every %(seconds)s s",
    "代码": "Code",
    "名称": "Name",
    "常住人口": "Population",
    "面积 km²": "Area km²",
    "您的账号没有对应的县级行政区。": "Your account is not attached to a county.",
    "人口与面积": "Population and area",
    "登录": "Sign in",
    "忻州市应急管理信息平台：风险防控、监测预警、指挥调度。": (
        "Xinzhou's emergency management platform: risk control, monitoring and warning, command and dispatch."
    ),
    "用户名": "Username",
    "密码": "Password",
    "类型": "Kind",
    "全部": "All",
    "行业领域": "Sector",
    "所属区划": "Region",
    "上级单位": "Parent organization",
    "电话": "Phone",
    "暂无单位": "No organizations",
    "估算": "estimate",
    "人口密度（人/平方公里）": "Density (people/km²)",
    "下辖区划": "Divisions",
    "人口": "Population",
    "无下辖区划": "No divisions below this one",
    "乡镇、村人口与面积为按村数分摊的估算值，县级人口为2020年第七次全国人口普查数据。": (
        "Township and village figures are estimates apportioned by number of villages; "
        "county populations are from the 7th national census (2020)."
    ),
    "角色": "Role",
    "姓名": "Name",
    "状态": "Status",
    "启用": "Active",
    "停用": "Deactivated",
    "暂无账号": "No accounts",
    "通知": "Notifications",
    "标题": "Subject",
    "内容": "Message",
    "查看": "Open",
    "标为已读": "Mark read",
    "暂无通知": "No notifications",
    # Enterprises
    "企业": "Enterprises",
    "编辑": "Edit",
    "统一社会信用代码": "Unified social credit code",
    "规模": "Size",
    "从业人员": "Employees",
    "地址": "Address",
    "坐标": "Coordinates",
    "法定代表人": "Legal representative",
    "安全管理负责人": "Safety manager",
    "证照": "Licences",
    "证照类型": "Licence type",
    "证号": "Number",
    "发证机关": "Issued by",
    "有效期至": "Valid until",
    "暂无证照": "No licences",
    "添加证照": "Add licence",
    "保存": "Save",
    "导入企业台账": "Import the enterprise register",
    "上传与“导出 Excel”相同格式的 .xlsx 文件。任何一行有误时，整份文件都不会导入，并列出每一行的错误。": (
        "Upload an .xlsx file in the format of “Export Excel”. If any row is wrong, nothing in the file "
        "is imported and the errors of every row are listed."
    ),
    "导入": "Import",
    "行": "Row",
    "原因": "Reason",
    "已导入 %(n)s 家企业。": (
        "Imported %(n)s enterprise.",
        "Imported %(n)s enterprises.",
    ),
    "企业名称": "Enterprise name",
    "全部行业": "All sectors",
    "全部状态": "All statuses",
    "全部县（市、区）": "All counties",
    "筛选": "Filter",
    "导出 Excel": "Export Excel",
    "导入 Excel": "Import Excel",
    "登记企业": "Register an enterprise",
    "行业": "Sector",
    "没有符合条件的企业": "No matching enterprises",
    "所属乡镇（街道）": "Township",
    "经度": "Longitude",
    "纬度": "Latitude",
    "法定代表人电话": "Legal representative's phone",
    "安全管理负责人电话": "Safety manager's phone",
    "发证日期": "Issued on",
    "编辑 %(name)s": "Edit %(name)s",
    "%(field)s：%(error)s": "%(field)s: %(error)s",
    "；": "; ",
    # Hazards
    "隐患排查": "Hazards",
    "未销号隐患": "Open hazards",
    "隐患排查治理": "Hazard investigation and rectification",
    "未销号隐患 %(n)s 项，已销号 %(c)s 项。": "Open hazards: %(n)s; closed: %(c)s.",
    "隐患": "Hazard",
    "等级": "Grade",
    "整改期限": "Rectification deadline",
    "逾期": "Overdue",
    "没有未销号的隐患": "No open hazards",
    "您的角色不查看隐患。": "Your role does not see hazards.",
    "隐患统计分析": "Hazard statistics",
    "隐患列表": "Hazard list",
    "发现日期": "Found on",
    "至": "to",
    "统计": "Show",
    "排查发现隐患": "Hazards found",
    "已销号": "Closed",
    "未销号": "Open",
    "逾期未销号": "Overdue and open",
    "未销号重大隐患": "Open major hazards",
    "挂牌督办中": "Under listed supervision",
    "整改率（已销号 ÷ 发现）": "Rectification rate (closed ÷ found)",
    "平均销号天数": "Average days to close",
    "各行业": "By sector",
    "按月（发现月份）": "By month (month found)",
    "县（市、区）": "County",
    "其中逾期": "Of which overdue",
    "重大事故隐患": "Major accident hazard",
    "逾期未整改": "Overdue, not rectified",
    "挂牌督办": "Listed supervision",
    "市级督办": "City supervision",
    "隐患信息": "Hazard details",
    "发现方式": "Found by",
    "隐患部位": "Location",
    "上报": "Report",
    "判定依据": "Criterion",
    "已逾期": "Overdue",
    "督办层级": "Supervision level",
    "期限": "deadline",
    "销号": "Closed",
    "处置记录": "History",
    "系统": "System",
    "办理": "Actions",
    "开始整改": "Start rectification",
    "重大隐患须先填写整改方案。": "A major hazard needs a rectification plan first.",
    "确定整改期限后开始整改，期限最迟 %(d)s（更晚须申请延期，由督办部门批准）；"
    "到期未提交验收将自动逾期升级。": (
        "Set the rectification deadline and start; it may be %(d)s at the latest (a later one needs an "
        "extension approved by the supervisor). If it passes before the hazard is submitted for "
        "acceptance, the hazard is escalated as overdue."
    ),
    "提交验收": "Submit for acceptance",
    "整改完成，提交验收": "Rectified: submit for acceptance",
    "验收销号": "Accept and close",
    "验收通过，销号": "Accepted: close",
    "验收不通过": "Not accepted",
    "退回整改": "Return for rectification",
    "督办期限即为整改期限；逾期未整改的重大隐患升级由市级督办。": (
        "The supervision deadline becomes the rectification deadline; a major hazard not rectified in "
        "time is escalated to city supervision."
    ),
    "申请延期": "Request an extension",
    "提交延期申请": "Submit the request",
    "审批延期": "Decide on the extension",
    "提交审批意见": "Submit the decision",
    "申请延至 %(d)s：%(r)s": "Extension requested to %(d)s: %(r)s",
    "整改方案": "Rectification plan",
    "治理目标和任务": "Objectives and tasks",
    "治理方法和措施": "Methods and measures",
    "经费（元）": "Funds (yuan)",
    "负责人": "Person in charge",
    "治理时限": "Deadline",
    "安全措施和应急预案": "Safety measures and emergency plan",
    "尚未制定整改方案。": "No rectification plan yet.",
    "修改整改方案": "Update the rectification plan",
    "保存整改方案": "Save the rectification plan",
    "照片和文件": "Photos and files",
    "暂无附件": "No attachments",
    "上传": "Upload",
    "jpg、png、webp、pdf、docx、xlsx，不超过 10 MB": "jpg, png, webp, pdf, docx or xlsx, at most 10 MB",
    "延期申请": "Extension requests",
    "申请延至": "Extend to",
    "理由": "Reason",
    "审批意见": "Decision note",
    "暂无延期申请": "No extension requests",
    "本企业隐患": "Our enterprise's hazards",
    "统计分析": "Statistics",
    "全部等级": "All grades",
    "上报隐患": "Report a hazard",
    (
        "煤矿和危险化学品企业的重大隐患须选择所符合的判定标准条款（煤矿重大事故隐患判定标准 15 类；"
        "化工和危险化学品重大隐患判定标准 20 项）。重大隐患上报后立即推送县应急管理局。"
    ): (
        "A major hazard of a coal mine or a hazardous chemicals enterprise must name the item of the "
        "judgment standard it meets (15 categories for coal mines; 20 items for chemical and hazardous "
        "chemicals enterprises). A reported major hazard is sent at once to the county emergency "
        "management bureau."
    ),
    "督办": "Supervision",
    "重大": "Major",
    "一般": "General",
    "挂牌": " listed",
    "没有符合条件的隐患": "No matching hazards",
    "隐患名称": "Hazard",
    "隐患等级": "Grade",
    "判定依据（重大隐患）": "Criterion (major hazards)",
    "隐患描述": "Description",
    "说明": "Note",
    "不通过理由": "Reason for not accepting",
    "督办期限": "Supervision deadline",
    "督办文号": "Document number",
    "督办要求": "Requirements",
    "延期理由": "Reason for the extension",
    "审批": "Decision",
    "批准": "Approve",
    "不批准": "Refuse",
    "阶段": "Stage",
    "文件": "File",
    "隐患已上报": "Hazard reported",
    "整改方案已保存": "Rectification plan saved",
    "已开始整改": "Rectification started",
    "已提交验收": "Submitted for acceptance",
    "已验收销号": "Accepted and closed",
    "已退回整改": "Returned for rectification",
    "已挂牌督办": "Listed for supervision",
    "延期申请已提交": "Extension request submitted",
    "延期申请已审批": "Extension request decided",
    "附件已上传": "Attachment uploaded",
    "已上报": "Reported",
    "整改中": "In rectification",
    "待验收": "Awaiting acceptance",
    "一般隐患": "General hazard",
    "重大隐患": "Major hazard",
    "上传附件": "Upload an attachment",
    "逾期升级": "Escalated as overdue",
    "请检查填写的内容": "Please check the form",
    "未销号（未逾期）": "Open (not overdue)",
    # Major hazard installations
    "重大危险源": "Major hazards",
    "级别": "Level",
    "单元数": "Units",
    "备案状态": "Filing status",
    "复核日期": "Review date",
    "该企业暂无登记的重大危险源辨识设施": (
        "This enterprise has no installations registered for identification"
    ),
    "登记重大危险源": "Register a major hazard installation",
    "一级": "Level 1",
    "二级": "Level 2",
    "三级": "Level 3",
    "四级": "Level 4",
    "未构成": "Not major",
    "基本信息": "Basic information",
    "辨识结果": "Identification",
    "构成%(level)s重大危险源": "%(level)s major hazard installation",
    "未构成重大危险源": "Not a major hazard installation",
    "最大 S / 最大 R": "Max S / max R",
    "厂界外500米内人数": "People within 500 m of the boundary",
    "人": "people",
    "位置": "Location",
    "使用企业位置": "The enterprise's location",
    "未填写": "Not given",
    "计算时间": "Computed at",
    "备案": "Filing",
    "备案编号": "Filing number",
    "备案日期": "Filed on",
    "登记备案": "Record the filing",
    "保存备案": "Save the filing",
    "复核日期前30天，备案状态自动转为“待复核”，并通知企业安全管理员和县级管理员。": (
        "30 days before the review date the filing status turns to “Review due”, and the enterprise's "
        "safety officer and the county administrators are notified."
    ),
    "未构成重大危险源的设施无需备案。": (
        "An installation that is not a major hazard installation needs no filing."
    ),
    "物质": "Substance",
    "依据": "Basis",
    "修改设计最大量 / 类别": "Change design maximum / category",
    "表1第%(no)s项": "Table 1, item %(no)s",
    "表2": "Table 2",
    "录入类别": "category as entered",
    "设计最大量（吨）": "Design maximum (t)",
    "危险性类别": "Hazard category",
    "默认": "Default",
    "确定删除该物质？": "Delete this substance?",
    "删除": "Delete",
    "尚未添加危险化学品": "No hazardous chemicals yet",
    "构成重大危险源": "Major hazard installation",
    "物质名称": "Substance name",
    "如 苯、液氨、汽油": "e.g. benzene, liquid ammonia, petrol",
    "危险性类别（表2，表1物质可不填）": "Hazard category (Table 2; optional for Table 1 substances)",
    "添加物质": "Add the substance",
    "确定删除该单元及其全部物质？": "Delete this unit and all its substances?",
    "删除单元": "Delete the unit",
    "尚未划分单元。按 GB 18218-2018，生产单元以切断阀为界，储存单元以罐区防火堤或独立库房为界。": (
        "No units yet. Under GB 18218-2018 a production unit is bounded by its shut-off valves, a "
        "storage unit by the tank farm's fire dike or by a separate warehouse."
    ),
    "添加单元": "Add a unit",
    "修改设施信息": "Edit the installation",
    "辨识与分级方法": "Identification and grading",
    (
        "单元内各危险化学品实际存在量 q 与临界量 Q 之比求和：S = Σ q/Q，S ≥ 1 即构成重大危险源。"
        "临界量按表1（品名、CAS号）确定，未列入表1的按表2危险性类别确定。"
    ): (
        "The ratios of each hazardous chemical's actual quantity q to its critical quantity Q in a unit "
        "are summed: S = Σ q/Q; S ≥ 1 makes a major hazard installation. Critical quantities come from "
        "Table 1 (name, CAS number), or, for substances not in Table 1, from the hazard category in "
        "Table 2."
    ),
    (
        "分级指标 R = α · Σ β·q/Q：R ≥ 100 为一级，50 ≤ R < 100 为二级，10 ≤ R < 50 为三级，R < 10 "
        "为四级。β 取表3（毒性气体）或表4（按类别）。"
    ): (
        "Grading index R = α · Σ β·q/Q: R ≥ 100 is level 1, 50 ≤ R < 100 level 2, 10 ≤ R < 50 level 3, "
        "R < 10 level 4. β comes from Table 3 (toxic gases) or Table 4 (by category)."
    ),
    "危险化学品重大危险源辨识（GB 18218-2018）": (
        "Identification of major hazard installations of hazardous chemicals (GB 18218-2018)"
    ),
    "登记设施": "Registered installations",
    "未备案": "Not filed",
    "待复核": "Review due",
    "设施或企业名称": "Installation or enterprise name",
    "无需备案": "No filing needed",
    "暂无登记的设施": "No installations registered",
    "S、R 为各单元中的最大值；级别取各单元中的最高级别。": (
        "S and R are the largest of the units'; the level is the highest of the units' levels."
    ),
    (
        "先登记设施（厂区或站场），再在详情页添加生产单元、储存单元及其危险化学品设计最大量；系统按 GB "
        "18218-2018 自动辨识与分级。"
    ): (
        "Register the installation (a plant or a site) first, then add its production and storage units "
        "and their hazardous chemicals' design maximum quantities on its page; it is identified and "
        "graded under GB 18218-2018 automatically."
    ),
    "登记": "Register",
    "厂界外500米内人数决定暴露人员校正系数 α；经纬度不填时地图使用企业位置。": (
        "The number of people within 500 m of the boundary sets the exposure correction factor α; "
        "without coordinates the map uses the enterprise's location."
    ),
    "单元名称": "Unit name",
    "单元类型": "Unit type",
    "CAS号": "CAS number",
    "已登记重大危险源“%(name)s”。": "Major hazard installation “%(name)s” registered.",
    "已保存，辨识结果已重新计算。": "Saved; the identification was computed again.",
    # Risks
    "重大风险": "Major risk",
    "较大风险": "Significant risk",
    "一般风险": "General risk",
    "低风险": "Low risk",
    "风险分级": "Risk grading",
    "安全风险分级管控": "Graded safety risk control",
    "5 — 无防范控制措施，经常发生": "5 — no prevention or control measures; happens often",
    "4 — 措施不完善，可能发生": "4 — incomplete measures; may happen",
    "3 — 措施不落实，偶尔发生": "3 — measures not carried out; happens occasionally",
    "2 — 措施基本有效，极少发生": "2 — measures mostly effective; happens very rarely",
    "1 — 措施完善有效，几乎不可能发生": "1 — complete and effective measures; almost impossible",
    "5 — 死亡，或经济损失≥100万元": "5 — death, or a loss of ¥1 million or more",
    "4 — 致残，或经济损失≥50万元": "4 — disability, or a loss of ¥500,000 or more",
    "3 — 骨折等重伤，或经济损失≥1万元": "3 — serious injury such as a fracture, or a loss of ¥10,000 or more",
    "2 — 轻伤，或经济损失<1万元": "2 — minor injury, or a loss under ¥10,000",
    "1 — 无伤亡": "1 — no injury",
    "评价方法": "Assessment method",
    "L 事故发生的可能性": "L likelihood of an accident",
    "E 暴露于危险环境的频繁程度": "E frequency of exposure to the hazard",
    "C 发生事故的后果": "C consequence of an accident",
    "L 可能性": "L likelihood",
    "S 后果严重性": "S severity",
    "风险点名称": "Risk point name",
    "所在位置": "Location",
    "可能导致的事故类型": "Possible accident types",
    "管控层级": "Control level",
    "按风险等级确定": "By risk level",
    "管控责任人": "Person responsible",
    "下次评价日期": "Next assessment on",
    "措施类别": "Measure type",
    "措施内容": "Measure",
    "责任人": "Person responsible",
    "行政区划": "Region",
    "重大风险下限": "Major risk from",
    "较大风险下限": "Significant risk from",
    "一般风险下限": "General risk from",
    "企业风险": "Enterprise risk",
    "全部风险点": "All risk points",
    "登记风险点": "Register a risk point",
    "风险点": "Risk points",
    "风险值": "Score",
    "待复评": "Reassessment due",
    "风险点四色分布图": "Four-colour map of the risk points",
    "未标注位置的风险点：": "Risk points without a location: ",
    "尚未登记风险点": "No risk points registered",
    "LEC 法：D = L × E × C": "LEC method: D = L × E × C",
    "风险矩阵法：R = L × S": "Risk matrix: R = L × S",
    "风险分级阈值": "Risk grading thresholds",
    "%(name)s现行阈值": "Thresholds in force in %(name)s",
    "重大风险 ≥": "Major risk ≥",
    "较大风险 ≥": "Significant risk ≥",
    "一般风险 ≥": "General risk ≥",
    "来源": "Source",
    (
        "低于“一般风险”下限的为低风险。企业的风险点采用其所在地最近一级设置的阈值，"
        "均未设置时采用默认值：LEC 法 320 / 160 / 70，风险矩阵法 20 / 15 / 9。"
    ): (
        "Below the “general risk” threshold a risk is low. An enterprise's risk points take the "
        "thresholds of the nearest region above them that sets any, otherwise the defaults: LEC 320 / "
        "160 / 70, risk matrix 20 / 15 / 9."
    ),
    "已设置的阈值": "Thresholds set",
    "更新": "Updated",
    "恢复上级或默认": "Revert to the region above or the default",
    "您的辖区内尚未单独设置阈值，均采用上级或默认值。": (
        "No thresholds are set in your jurisdiction; those of the region above or the defaults apply."
    ),
    "设置阈值": "Set thresholds",
    "保存并重新分级": "Save and regrade",
    "保存后，该地区内采用此方法的风险点将按新阈值重新分级，每个等级变化都记入审计日志。": (
        "On saving, the region's risk points assessed with this method are regraded with the new "
        "thresholds; every change of level is written to the audit log."
    ),
    "风险点清单": "Risk point list",
    "分级阈值": "Grading thresholds",
    "各县（市、区）风险点": "Risk points by county",
    "合计": "Total",
    "暂无风险点": "No risk points",
    "各行业风险点": "Risk points by sector",
    (
        "风险等级按 LEC 法（D = L × E × C）或风险矩阵法（R = L × S）评定，分级阈值以所在地区设置为准，"
        "未设置的采用默认值。"
    ): (
        "Risk levels are assessed by the LEC method (D = L × E × C) or the risk matrix (R = L × S), "
        "with the thresholds set for the region, or else the defaults."
    ),
    "修改基本信息": "Edit basic information",
    "所在地区": "Region",
    "风险评价": "Risk assessment",
    "风险等级": "Risk level",
    "重大 ≥ %(a)s，较大 ≥ %(b)s，一般 ≥ %(c)s": "major ≥ %(a)s, significant ≥ %(b)s, general ≥ %(c)s",
    "%(name)s设置": "set by %(name)s",
    "评价时间": "Assessed at",
    "重新评价": "Reassess",
    "提交评价": "Submit the assessment",
    "管控措施": "Control measures",
    "类别": "Type",
    "尚未制定管控措施": "No control measures yet",
    "添加管控措施": "Add a control measure",
    "添加": "Add",
    "修改风险点": "Edit the risk point",
    "取消": "Cancel",
    (
        "保存时按所在地区的分级阈值计算风险值和等级；未选管控层级时按等级确定：重大—公司，较大—车间，"
        "一般—班组，低—岗位。"
    ): (
        "On saving, the score and level are computed with the region's thresholds; without a control "
        "level, the level decides it: major — company, significant — workshop, general — team, low — "
        "post."
    ),
    "全部方法": "All methods",
    "全部类型": "All types",
    "仅待复评": "Reassessment due only",
    "风险点或企业名称": "Risk point or enterprise name",
    "清除": "Clear",
    "方法": "Method",
    "措施": "Measures",
    "下次评价": "Next assessment",
    "没有符合条件的风险点": "No matching risk points",
    "煤矿": "Coal mines",
    "非煤矿山及尾矿库": "Non-coal mines and tailings ponds",
    "危险化学品": "Hazardous chemicals",
    "烟花爆竹": "Fireworks",
    "冶金等工贸行业": "Metallurgy and other industry and trade",
    "建筑施工": "Construction",
    "道路运输": "Road transport",
    "燃气": "Gas",
    "其他": "Other",
    "场所": "Place",
    "设备设施": "Equipment and facilities",
    "作业活动": "Work activity",
    "已重新评价：%(formula)s，%(level)s": "Reassessed: %(formula)s, %(level)s",
    "已登记风险点“%(name)s”：%(formula)s，%(level)s": (
        "Risk point “%(name)s” registered: %(formula)s, %(level)s"
    ),
    "已恢复上级或默认阈值，重新分级 %(n)d 个风险点": (
        "Reverted to the thresholds above or the defaults; %(n)d risk point regraded",
        "Reverted to the thresholds above or the defaults; %(n)d risk points regraded",
    ),
    "已保存分级阈值，重新分级 %(n)d 个风险点": (
        "Thresholds saved; %(n)d risk point regraded",
        "Thresholds saved; %(n)d risk points regraded",
    ),
    # Monitoring and alarms
    "监测报警": "Monitoring",
    "在线监测": "Online monitoring",
    "监测墙": "Monitoring wall",
    "返回监测墙": "Back to the monitoring wall",
    "在监测墙查看": "Open on the monitoring wall",
    "无权查看在线监测数据": "You may not see the online monitoring data",
    "监测对象": "Monitored objects",
    "监测对象类型": "Kind of monitored object",
    "全部监测对象": "All monitored objects",
    "显示全部监测对象": "Show all monitored objects",
    "没有符合条件的监测对象。": "No matching monitored objects.",
    "自然灾害监测站点": "Natural hazard monitoring sites",
    "只看有未关闭报警的": "Only those with open alarms",
    "每 5 秒自动刷新": "Refreshes every 5 s",
    "在线": "Online",
    "离线": "Offline",
    "无数据": "No data",
    "在线 %(online)s/%(total)s": "Online %(online)s/%(total)s",
    "报警中的传感器": "Sensors in alarm",
    "待确认报警": "Alarms to acknowledge",
    # Sensors
    "传感器": "Sensors",
    "编码": "Code",
    "传感器编码": "sensor code",
    "该企业暂无接入的传感器": "This enterprise has no connected sensors",
    "最新值": "Latest value",
    "最新读数": "Latest reading",
    "最近读数": "Last reading",
    "尚无读数": "No readings yet",
    "所在区划": "Region",
    "安装位置": "Location",
    "离线判定": "Offline after",
    "%(s)s 秒无读数": "%(s)s s without a reading",
    "当前报警级别": "Current alarm level",
    "趋势": "Trend",
    "1 小时": "1 hour",
    "6 小时": "6 hours",
    "24 小时": "24 hours",
    "7 天": "7 days",
    "自定义": "Custom",
    "开始": "Start",
    "结束": "End",
    "自定义时段": "Custom period",
    "原始读数": "Raw readings",
    "原始读数 %(n)s 个": "Raw readings: %(n)s",
    "每分钟汇总（线为均值，阴影为最小—最大）": "Per-minute summary (line: mean; band: min–max)",
    "每分钟汇总 %(n)s 个（线为均值，阴影为最小—最大）": (
        "Per-minute summaries: %(n)s (line: mean; band: min–max)"
    ),
    "读数": "Reading",
    "均值": "Mean",
    "最小—最大": "Min–max",
    "该时段没有读数": "No readings in this period",
    "最近这段时间没有读数，图表显示到最后一次读数（%(at)s）为止。": (
        "No readings in this recent period: the chart ends at the last reading (%(at)s)."
    ),
    # Thresholds
    "报警阈值": "Alarm thresholds",
    "上限": "Upper limit",
    "下限": "Lower limit",
    "上限（≥）": "Upper limit (≥)",
    "下限（≤）": "Lower limit (≤)",
    "变化速率": "Rate of change",
    "每分钟超过 %(r)s %(unit)s 报%(level)s": "%(level)s alarm above %(r)s %(unit)s per minute",
    "不检查": "Not checked",
    "本传感器设定": "Set for this sensor",
    "全市同类型默认": "City default for the sensor kind",
    "平台内置默认（依据国家和行业标准）": "Platform default (from national and industry standards)",
    "设置本传感器阈值": "Set this sensor's thresholds",
    "空白表示该级别不设限；上限须随级别升高，下限须随级别降低。保存后替代类型默认值，只影响新读数。": (
        "Leave a level blank for no limit; upper limits must rise with the level and lower limits fall. "
        "Saved limits replace the kind's defaults and apply to new readings only."
    ),
    "蓝色上限": "Blue upper limit",
    "黄色上限": "Yellow upper limit",
    "橙色上限": "Orange upper limit",
    "红色上限": "Red upper limit",
    "蓝色下限": "Blue lower limit",
    "黄色下限": "Yellow lower limit",
    "橙色下限": "Orange lower limit",
    "红色下限": "Red lower limit",
    "变化速率上限（每分钟）": "Rate of change limit (per minute)",
    "速率报警级别": "Rate alarm level",
    "保存阈值": "Save the thresholds",
    "恢复为类型默认值": "Revert to the kind's defaults",
    "阈值已保存，新读数按新阈值判定。": "Thresholds saved; new readings are judged by them.",
    # Alarms
    "报警": "Alarm",
    "报警记录": "Alarm log",
    "未关闭报警": "Open alarms",
    "未关闭报警 %(n)s": "Open alarms %(n)s",
    "暂无未关闭报警": "No open alarms",
    "共 %(n)s 条，查看全部 ›": "See all %(n)s ›",
    "暂无报警": "No alarms",
    "没有符合条件的报警": "No matching alarms",
    "%(level)s报警": "%(level)s alarm",
    "报警中（待确认）": "Raised (to acknowledge)",
    "已确认": "Acknowledged",
    "已恢复待关闭": "Cleared, to close",
    "已关闭": "Closed",
    "未关闭": "Open",
    "全部级别": "All levels",
    "规则": "Rule",
    "全部规则": "All rules",
    "峰值": "Peak",
    "达到最高级别时的读数": "The reading when the alarm reached its highest level",
    "最高%(peak)s": "Peak: %(peak)s",
    "报警时间": "Raised at",
    "最近超限": "Last over the limit",
    "触发值 / 峰值": "Trigger value / peak",
    "%(h)s 小时累计": "%(h)s h total",
    "当前 / 最高级别": "Current / highest level",
    "已通知": "Notified",
    "确认人": "Acknowledged by",
    "%(who)s 已确认": "Acknowledged by %(who)s",
    "确认": "Acknowledge",
    "确认报警": "Acknowledge the alarm",
    "说明（可选）": "Note (optional)",
    "关闭…": "Close…",
    "关闭报警": "Close the alarm",
    "处置情况": "Action taken",
    "处置情况（必填）": "Action taken (required)",
    "处置过程": "History",
    "报警前后读数": "Readings around the alarm",
    "查看传感器趋势": "The sensor's trend",
    "报警已确认。": "Alarm acknowledged.",
    "报警已关闭。": "Alarm closed.",
    "再次报警": "Raised again",
    "升级": "Escalated",
    "降级": "De-escalated",
    "超时未确认": "Not acknowledged in time",
    "恢复正常": "Back to normal",
    "恢复": "Cleared",
    "关闭": "Closed",
    # Gateways
    "网关": "Gateway",
    "数据网关": "Data gateways",
    "暂无数据网关": "No data gateways",
    "网关名称": "Gateway name",
    "网关标识": "Gateway ID",
    "小写字母、数字、- 或 _，用作 MQTT 主题 yingji/<网关标识>/<传感器编码>": (
        "Lower-case letters, digits, - or _; used in the MQTT topic yingji/<gateway ID>/<sensor code>"
    ),
    "安全监控系统": "Safety monitoring system",
    "密钥前缀": "Key prefix",
    "最近上报": "Last report",
    "已吊销": "Revoked",
    "%(at)s 已吊销": "Revoked on %(at)s",
    "吊销": "Revoke",
    "吊销后该网关的密钥不再被接受，确定？": "Revoke this gateway? Its key will no longer be accepted.",
    "轮换密钥": "Rotate the key",
    "轮换后旧密钥立即失效，确定？": "Rotate the key? The old key stops working at once.",
    "新建网关并生成密钥": "Add a gateway and issue its key",
    "新建数据网关": "New data gateway",
    "创建并生成密钥": "Create and issue the key",
    "密钥只在创建或轮换后显示一次，平台只保存其摘要。": (
        "A key is shown once, when it is created or rotated; the platform keeps only its digest."
    ),
    "密钥只在创建后显示一次，平台只保存其摘要；遗失后请轮换密钥。": (
        "The key is shown once, when it is created; the platform keeps only its digest. If it is lost, "
        "rotate the key."
    ),
    "网关密钥": "Gateway key",
    "已创建数据网关": "Data gateway created",
    "已轮换网关密钥": "Gateway key rotated",
    "密钥仅显示这一次。": "This key is shown only this once.",
    "请立即复制并保存到网关配置中；平台只保存其摘要，离开本页后无法再查看。": (
        "Copy it into the gateway's configuration now: the platform keeps only its digest, and once you "
        "leave this page it cannot be shown again."
    ),
    "旧密钥已立即失效。": "The old key has stopped working.",
    "上报读数": "Sending readings",
    "MQTT：主题 yingji/%(name)s/&lt;传感器编码&gt;，载荷格式相同。": (
        "MQTT: topic yingji/%(name)s/&lt;sensor code&gt;, with the same payload."
    ),
    "我已保存，返回企业页面": "I have saved it: back to the enterprise",
    "网关“%(name)s”已吊销，其密钥不再被接受。": "Gateway “%(name)s” revoked; its key is no longer accepted.",
    # Monitoring labels that live in code (sensortypes.py, models.py): ready for when they are marked
    "正常": "Normal",
    "蓝色": "Blue",
    "黄色": "Yellow",
    "橙色": "Orange",
    "红色": "Red",
    "报警中": "Raised",
    "已恢复": "Cleared",
    "超限": "Over the limit",
    "时段累计": "Period total",
    "县级": "County",
    "市级": "City",
    "甲烷": "Methane",
    "一氧化碳": "Carbon monoxide",
    "硫化氢": "Hydrogen sulphide",
    "氧气": "Oxygen",
    "可燃气体": "Combustible gas",
    "有毒气体": "Toxic gas",
    "温度": "Temperature",
    "压力": "Pressure",
    "液位": "Liquid level",
    "流量": "Flow",
    "风速": "Wind speed",
    "相对湿度": "Relative humidity",
    "降雨量": "Rainfall",
    "水位": "Water level",
    "位移": "Displacement",
    "雨量站": "Rain gauge",
    "河道水位站": "River gauge",
    "水库水位站": "Reservoir gauge",
    "滑坡监测点": "Landslide monitoring point",
    "崩塌监测点": "Rockfall monitoring point",
    "泥石流监测点": "Debris flow monitoring point",
    "森林防火监测点": "Forest fire watch point",
    "累计": "Sum",
    "平均": "Mean",
    "%(rule)s报警": "%(rule)s alarm",
    "%(level)s上限": "%(level)s upper limit",
    "%(level)s下限": "%(level)s lower limit",
    # Early warnings (issue 5)
    "%(range)s 人未覆盖": "%(range)s people not covered",
    "未覆盖 %(n)s 人": "%(n)s people not covered",
    "网格人口 %(n)s 人": "Grid population: %(n)s",
    "%(n)s 次预警未覆盖": "%(n)s warnings not covered",
    "红色预警": "Red warning",
    "橙色预警": "Orange warning",
    "黄色预警": "Yellow warning",
    "蓝色预警": "Blue warning",
    "蓝色（四级）": "Blue (Level IV)",
    "黄色（三级）": "Yellow (Level III)",
    "橙色（二级）": "Orange (Level II)",
    "红色（一级）": "Red (Level I)",
    "自然灾害": "Natural disaster",
    "事故灾难": "Accident/disaster",
    "公共卫生事件": "Public health incident",
    "社会安全事件": "Social security incident",
    "草稿": "Draft",
    "待审批": "Pending approval",
    "已审批": "Approved",
    "已发布": "Published",
    "已更新": "Updated",
    "已解除": "Lifted",
    "已过期": "Expired",
    "首发": "Initial issue",
    "解除": "Lift",
    "人工起草": "Manually drafted",
    "监测报警生成": "Generated from monitoring alarm",
    "外部导入": "Imported externally",
    "村（社区）负责人": "Village (community) head",
    "避难场所管理员": "Shelter manager",
    "学校负责人": "School head",
    "医院负责人": "Hospital head",
    "景区负责人": "Scenic area manager",
    "网格员": "Grid worker",
    "短信": "SMS",
    "App 推送": "App push",
    "应急广播": "Emergency broadcast",
    "站内消息": "In-app message",
    "平台用户": "Platform users",
    "预警责任人": "Warning contacts",
    "公众订阅": "Public subscriptions",
    "广播终端": "Broadcast terminals",
    "排队": "Queued",
    "发送中": "Sending",
    "已发送": "Sent",
    "已送达": "Delivered",
    "失败": "Failed",
    "预警发布": "Warning publishing",
    "预警": "Warning",
    "生效预警": "Active warnings",
    "送达情况": "Delivery status",
    "共 %(n)s 条": "%(n)s in total",
    "%(n)s 条待发送，每 5 秒刷新": "%(n)s pending, refreshing every 5 seconds",
    "渠道": "Channel",
    "尚无送达记录。": "No delivery records yet.",
    "覆盖率": "Coverage",
    "覆盖分析": "Coverage analysis",
    "规划目标 %(goal)s%%": "Target %(goal)s%%",
    "已覆盖 %(reached)s 人 / 预警区域 %(target)s 人": "%(reached)s people covered / %(target)s in warning area",  # noqa: E501
    "测算于": "Calculated at",
    "区域人口": "Area population",
    "已覆盖": "Covered",
    "送达后测算：预警区域内至少被一种渠道送达的人口占比。": "Calculated after delivery: share of the population in the warning area reached by at least one channel.",  # noqa: E501
    "区域：": "Area:",
    "预警覆盖率": "Warning coverage",
    "预警信息公众覆盖率": "Public coverage of warning information",
    "月份": "Month",
    "%(month)s 覆盖率（按人口加权）": "%(month)s coverage (population-weighted)",
    "预警区域人口（人次）": "Warning area population (person-times)",
    "已覆盖（人次）": "Covered (person-times)",
    "本月发布的预警": "Warnings published this month",
    "%(month)s 各县（市、区）覆盖率": "%(month)s coverage by county (city, district)",
    "逐月覆盖率": "Monthly coverage",
    "各县（市、区）× 月份": "County (city, district) × month",
    "%(n)s 条预警": "%(n)s warnings",
    "绿色：达到 %(goal)s%% 目标；红色：未达到。覆盖率 = 至少一个渠道送达的人口 ÷ 预警区域人口（人口网格模型，每人只计一次）。": "Green: meets the %(goal)s%% target; red: below target. Coverage = population reached by at least one channel ÷ warning area population (population grid model, each person counted once).",  # noqa: E501
    "还没有测算过覆盖率的已发布预警。": "No published warnings with calculated coverage yet.",
    "未覆盖区域：%(headline)s": "Uncovered areas: %(headline)s",
    "未覆盖区域：%(month)s 全部预警": "Uncovered areas: all warnings in %(month)s",
    "打开预警": "Open warning",
    "当前覆盖率": "Current coverage",
    "看本月全部预警": "View all warnings this month",
    "未覆盖区域地图": "Uncovered areas map",
    "需增设广播或订阅的地点": "Locations needing more broadcast terminals or subscriptions",
    "网格中心": "Grid center",
    "未覆盖人数": "People not covered",
    "没有未覆盖的地点": "No uncovered locations",
    "%(month)s 发布的预警": "Warnings published in %(month)s",
    "发布时间": "Published at",
    "地图": "Map",
    "本月没有发布预警": "No warnings published this month",
    "第 %(n)s 版（%(kind)s）": "Version %(n)s (%(kind)s)",
    "由市级审批发布": "Approved and published at city level",
    "由县级审批发布": "Approved and published at county level",
    "审批人退回意见：": "Approver's return comments:",
    "预警内容": "Warning content",
    "防御指南": "Protective guidance",
    "开始时间": "Start time",
    "失效时间": "Expiry time",
    "预警区域": "Warning area",
    "地图上画出的区域 %(n)s 处": "%(n)s areas drawn on map",
    "标识符": "Identifier",
    "替代": "Supersedes",
    "（第 %(n)s 版）": "(version %(n)s)",
    "预警区域地图": "Warning area map",
    "实线填充：整个县（市、区）；虚线：其中部分乡镇（街道）；粗线：地图上画出的区域。": "Solid fill: entire county (city, district); dashed line: selected townships (subdistricts); bold line: areas drawn on the map.",  # noqa: E501
    "修改草稿": "Edit draft",
    "发布后将立即向预警区域内的人员和广播终端送达，确定发布？": "Publishing will immediately deliver to people and broadcast terminals in the warning area. Publish?",  # noqa: E501
    "退回意见（必填）": "Return comments (required)",
    "退回修改": "Return for revision",
    "解除后将向原预警区域发送解除通知，确定解除？": "Lifting will send a lift notice to the original warning area. Lift?",  # noqa: E501
    "解除原因": "Reason for lifting",
    "作废原因": "Reason for voiding",
    "解除预警": "Lift warning",
    "作废": "Void",
    "过程": "History",
    "各版本": "Versions",
    "第 %(n)s 版": "Version %(n)s",
    "发布内容": "Published content",
    "公众页面": "Public page",
    "CAP 1.2 消息（XML）": "CAP 1.2 message (XML)",
    "修改预警草稿": "Edit warning draft",
    "起草预警": "Draft warning",
    "请按提示修改后再保存，草稿尚未保存。": "Please correct as indicated and save again; the draft has not been saved.",  # noqa: E501
    "发布单位": "Issuing agency",
    "随类型、级别自动生成，可修改": "Auto-generated from type and level; editable",
    "发生或将要发生什么、在哪里、多大强度": "What is happening or about to happen, where, and how severe",
    "公众应当怎么做；选择类型和级别后自动填入该级别的防御指南": "What the public should do; filled in automatically with the guidance for the level once type and level are chosen",  # noqa: E501
    "勾选行政区划，和/或在地图上画出多边形、圆；两者合起来为预警区域": "Tick administrative divisions and/or draw polygons or circles on the map; together they form the warning area",  # noqa: E501
    "绘制工具": "Drawing tools",
    "画多边形": "Draw polygon",
    "完成多边形": "Finish polygon",
    "画圆": "Draw circle",
    "取消绘制": "Cancel drawing",
    "（全市）": "(Entire city)",
    "（全域）": "(Entire area)",
    "乡镇（街道）%(n)s 个": "%(n)s townships (subdistricts)",
    "可选，如“滹沱河沿岸低洼地带”": 'Optional, e.g. "low-lying areas along the Hutuo River"',
    "保存草稿": "Save draft",
    "创建草稿": "Create draft",
    "预警类型": "Warning type",
    "标题包含": "Headline contains",
    "开始 — 失效（北京时间）": "Start — Expiry (Beijing time)",
    "版本": "Version",
    "待您审批": "Awaiting your approval",
    "没有符合条件的预警": "No matching warnings",
    "查看当前预警": "View current warnings",
    "预警信息": "Warnings",
    "%(city)s突发事件预警信息发布": "%(city)s Emergency Warning Information Service",
    "生效中的预警（Atom）": "Active warnings (Atom)",
    "当前预警": "Current warnings",
    "我所在位置的预警": "Warnings for my location",
    "短信订阅": "SMS subscription",
    "%(city)s应急管理局发布。": "Published by the %(city)s Emergency Management Bureau.",
    "Atom 订阅源（CAP 1.2）": "Atom feed (CAP 1.2)",
    "时间均为北京时间。": "All times are Beijing Time.",
    "生效中": "Active",
    "发布单位：": "Issued by: ",
    "发布时间：": "Issued at: ",
    "这是一条解除通知：": "This is a cancellation notice: ",
    "已解除。": "has been cancelled.",
    "本预警已更新，请以最新发布的内容为准：": "This warning has been updated. Please refer to the latest version: ",  # noqa: E501
    "本预警已解除。": "This warning has been cancelled.",
    "查看解除通知": "View cancellation notice",
    "本预警已过失效时间。": "This warning has expired.",
    "您应该怎么做": "What you should do",
    "当时的防御指南": "Safety guidance at the time",
    "，以及": ", and ",
    "地图上标出的范围": "the area shown on the map",
    "CAP 消息": "CAP message",
    "当前全部预警": "All current warnings",
    "短信订阅我所在位置的预警": "SMS alerts for my location",
    "无法取得您的位置，请改为选择所在的行政区划。": "Unable to get your location. Please select your administrative area instead.",  # noqa: E501
    "使用我的位置": "Use my location",
    "或": "or",
    "所在行政区划": "Administrative area",
    "选择县（市、区）或乡镇（街道）": "Select a county (city, district) or township (subdistrict)",
    "（全部）": "(All)",
    "查询": "Search",
    "该位置不在%(city)s范围内，本站只发布%(city)s的预警。": "This location is outside %(city)s. This site only publishes warnings for %(city)s.",  # noqa: E501
    "此处有 %(n)s 条生效的预警": "%(n)s active warning(s) here",
    "此处目前没有生效的预警。": "There are currently no active warnings here.",
    "附近可能影响您的预警": "Nearby warnings that may affect you",
    "以下预警只覆盖本县（市、区）或所选区域的一部分，请查看预警区域是否包括您所在的乡镇（街道）。": "The following warnings cover only part of this county (city, district) or the selected area. Please check whether the warning area includes your township (subdistrict).",  # noqa: E501
    "当前生效的预警": "Active warnings",
    "查看我所在位置的预警": "View warnings for my location",
    "Atom 订阅源": "Atom feed",
    "%(city)s目前没有生效的预警。": "There are currently no active warnings in %(city)s.",
    "短信订阅预警": "Subscribe to SMS warnings",
    "订阅后，%(city)s发布覆盖您所选位置或区域的预警时，会以短信发送到您的手机。号码只用于发送预警，可随时退订。": "Once subscribed, you will receive an SMS on your phone whenever %(city)s issues a warning covering your selected location or area. Your number is used only for sending warnings, and you can unsubscribe at any time.",  # noqa: E501
    "我所在的位置": "My location",
    "无法取得您的位置，请在地图上点选或改为选择行政区划。": "Unable to get your location. Please click a point on the map or select an administrative area instead.",  # noqa: E501
    "或在地图上点选": "or click a point on the map",
    "点选位置的地图": "Map for selecting a location",
    "一个行政区划": "An administrative area",
    "例如选“黄色”，则只接收黄色、橙色和红色预警": "E.g. if you choose “Yellow”, you will receive only Yellow, Orange and Red warnings",  # noqa: E501
    "订阅": "Subscribe",
    "订阅成功": "Subscribed",
    "手机 %(number)s 将收到覆盖%(place)s的%(level)s及以上预警。": "Phone %(number)s will receive %(level)s and higher warnings covering %(place)s.",  # noqa: E501
    "（按您选择的位置判断是否在预警区域内）": "(Based on whether your selected location is within the warning area)",  # noqa: E501
    "请保存下面的退订链接，退订时打开它：": "Please save the unsubscribe link below and open it when you want to unsubscribe:",  # noqa: E501
    "链接只在此显示一次，本站不保存它。": "This link is shown only once here; this site does not store it.",
    "退订预警短信": "Unsubscribe from SMS warnings",
    "手机 %(number)s 已退订，不会再收到预警短信。": "Phone %(number)s has been unsubscribed and will no longer receive SMS warnings.",  # noqa: E501
    "重新订阅": "Subscribe again",
    "退订后将不再收到预警短信。确定退订吗？": "You will no longer receive SMS warnings after unsubscribing. Are you sure you want to unsubscribe?",  # noqa: E501
    "确定退订": "Confirm unsubscribe",
    "发布中": "Live",
    "已结束": "Ended",
    "开始时间（北京时间）": "Start time (Beijing Time)",
    "失效时间（北京时间）": "Expiry time (Beijing Time)",
    "区域描述": "Area description",
    "草稿已保存。": "Draft saved.",
    "预警草稿已创建。": "Warning draft created.",
    "已取 %(n)s 个点，点击“完成多边形”结束": "%(n)s point(s) added. Click “Finish polygon” to finish",
    "点击地图确定圆心": "Click the map to set the center",
    "点击地图确定半径": "Click the map to set the radius",
    "多边形": "Polygon",
    "圆，半径 %(km)s 千米": "Circle, radius %(km)s km",
    "多边形至少需要 3 个点": "A polygon needs at least 3 points",
    "提交审批": "Submit for approval",
    "审批通过": "Approve",
    "发布": "Publish",
    "更新预警": "Update warning",
    "已提交审批。": "Submitted for approval.",
    "已退回起草人修改。": "Returned to the drafter for revision.",
    "已审批通过，可以发布。": "Approved and ready to publish.",
    "预警已发布，正在向预警区域内的人员送达。": "Warning published and being delivered to people in the warning area.",  # noqa: E501
    "已创建更新版本的草稿，修改后提交审批。": "A draft of the updated version has been created. Edit it and submit it for approval.",  # noqa: E501
    "预警已解除，解除通知正在送达。": "Warning cancelled; the cancellation notice is being delivered.",
    "已作废。": "Voided.",
    "起草": "Drafted",
    "规划目标": "Target",
    "您的位置（%(lat).4f, %(lon).4f）": "Your location (%(lat).4f, %(lon).4f)",
    "没有这条已发布的预警。": "No such published warning.",
    "解除通知": "Cancellation notice",
    "按位置": "By location",
    "按行政区划": "By administrative area",
    "手机号码": "Mobile number",
    "接收哪里的预警": "Receive warnings for",
    "接收的最低级别": "Minimum level to receive",
    "退订链接无效或已失效。": "The unsubscribe link is invalid or has expired.",
    # The inbox, home pages, lists and the pure modules' labels (issue 12).
    "待办通知": "To-dos",
    "工作台": "Desk",
    "辖区概况": "Jurisdiction overview",
    "需要您处理": "Needs you",
    "目前没有需要您处理的事项。": "Nothing needs you right now.",
    "查看全部 %(n)s 条": "See all %(n)s",
    "关注": "Keep an eye on",
    "待办是需要您处理的事项：有人处理了（或已无法处理）时会自动移到“已办”。": "To-dos ask you to act; once someone has acted (or nobody can any more) they move to Done by themselves.",  # noqa: E501
    "已经处理或已无需处理的待办。": "To-dos that were acted on or are no longer needed.",
    "供您了解情况的通知，无需处理。": "Notifications for your information; nothing to do.",
    "办结时间": "Done at",
    "去处理": "Act on it",
    "没有待办事项": "Nothing to do",
    "全部区划": "All areas",
    "市本级": "City itself",
    "县级常住人口为2020年第七次全国人口普查数据；“市本级”为登记在市级的单位、账号和由市级发布的预警等。每个数字链接到它所统计的清单。": 'County populations are from the 7th national census (2020). "City itself" counts what is registered at the city level: its own organizations and accounts, the warnings the city issues. Every figure links to the list it counts.',  # noqa: E501
    "待办": "To do",
    "已办": "Done",
    "即将到期的证照": "Licences expiring",
    "%(days)s 天内到期及已过期": "Expiring within %(days)s days or expired",
    "没有符合条件的证照": "No licences match",
    "证照到期": "Licence expiry",
    "请选择不超过 5 MB 的 .xlsx 文件": "Choose an .xlsx file of at most 5 MB",
    "证照已添加": "Licence added",
    "已逾期（期限 %(date)s）": "Overdue (deadline %(date)s)",
    "整改期限 %(date)s": "Deadline %(date)s",
    "未定整改期限": "No deadline yet",
    "逾期未整改的隐患": "Overdue hazards",
    "挂牌督办中的隐患": "Hazards under listed supervision",
    "今天到期的整改": "Rectifications due today",
    "7 天内到期的整改": "Rectifications due within 7 days",
    "本企业未销号隐患": "Our open hazards",
    "全部期限": "Any deadline",
    "今天到期": "Due today",
    "7 天内到期": "Due within 7 days",
    "已备案": "Filed",
    "共 <span data-list-total>%(n)s</span> 个": "<span data-list-total>%(n)s</span> in all",
    "未知操作": "Unknown action",
    "蓝色报警": "Blue alarm",
    "黄色报警": "Yellow alarm",
    "橙色报警": "Orange alarm",
    "红色报警": "Red alarm",
    "待确认的报警": "Alarms to acknowledge",
    "未关闭的报警": "Alarms not yet closed",
    "请填写有效的起止时间（开始早于结束）": "Give a valid start before the end",
    "时段不超过 31 天": "The period is at most 31 days",
    "已通知至%(tier)s": "Notified up to: %(tier)s",
    "传感器恢复上报": "The sensor reports again",
    "读数恢复正常": "Readings back to normal",
    "请选择": "Required",
    "未评价": "Not assessed",
    "到期待复评的风险点": "Risk points due for reassessment",
    "待我审批的预警": "Warnings awaiting my approval",
    "平台生成的预警草稿": "Drafts opened by the platform",
    "发布中的预警": "Live warnings",
    "待我审批": "Awaiting my approval",
    "经纬度无效：lat 为 -90～90、lon 为 -180～180 的数字": "Invalid coordinates: lat is a number from -90 to 90, lon from -180 to 180",  # noqa: E501
    "未知的行政区划": "Unknown region",
    "%(issuer)s发布%(type)s%(level)s预警": "%(issuer)s issues %(level)s %(type)s warning",
    "区域图形格式有误，请重新绘制": "The drawn shapes are malformed. Please redraw them.",
    "只有草稿可以修改": "Only a draft can be edited",
    "红": "Red",
    "较大": "Significant",
    "橙": "Orange",
    "黄": "Yellow",
    "低": "Low",
    "蓝": "Blue",
    "完全可以预料": "Fully expected",
    "相当可能": "Quite possible",
    "可能，但不经常": "Possible but unusual",
    "可能性小，完全意外": "Unlikely, a complete surprise",
    "很不可能，可以设想": "Very unlikely but conceivable",
    "极不可能": "Practically impossible",
    "实际不可能": "Virtually impossible",
    "连续暴露": "Continuous exposure",
    "每天工作时间内暴露": "Daily, in working hours",
    "每周一次或偶然暴露": "Weekly or occasional",
    "每月一次暴露": "Monthly",
    "每年几次暴露": "A few times a year",
    "非常罕见地暴露": "Very rarely",
    "大灾难，许多人死亡": "Catastrophe, many deaths",
    "灾难，数人死亡": "Disaster, several deaths",
    "非常严重，一人死亡": "Very serious, one death",
    "严重，重伤": "Serious, grave injury",
    "重大，致残": "Major, disabling injury",
    "引人注目，需要救护": "Notable, first aid needed",
    "生产单元": "Production unit",
    "储存单元": "Storage unit",
    "类别1急性毒性（所有暴露途径），气体": "Acute toxicity category 1 (all routes), gases",
    "类别1急性毒性（所有暴露途径），固体、液体": "Acute toxicity category 1 (all routes), solids and liquids",
    "类别2、类别3急性毒性（所有暴露途径），气体": "Acute toxicity categories 2 and 3 (all routes), gases",
    "类别2、类别3急性毒性（吸入途径），沸点≤35 ℃的液体": "Acute toxicity categories 2 and 3 (inhalation), liquids boiling at ≤ 35 °C",  # noqa: E501
    "类别2急性毒性（所有暴露途径），液体（J4以外）、固体": "Acute toxicity category 2 (all routes), liquids (other than J4) and solids",  # noqa: E501
    "不稳定爆炸物，1.1项爆炸物": "Unstable explosives, division 1.1 explosives",
    "1.2、1.3、1.5、1.6项爆炸物": "Explosives of divisions 1.2, 1.3, 1.5 and 1.6",
    "1.4项爆炸物": "Explosives of division 1.4",
    "类别1和类别2易燃气体": "Flammable gases, categories 1 and 2",
    "类别1和类别2气溶胶（净含量）": "Aerosols, categories 1 and 2 (net content)",
    "类别1氧化性气体": "Oxidizing gases, category 1",
    "类别1易燃液体；类别2和3工作温度高于沸点的易燃液体": "Flammable liquids of category 1; of categories 2 and 3 kept above their boiling point",  # noqa: E501
    "类别2和3易燃液体，具有特殊工艺条件（危险工艺、爆炸极限范围内、压力>1.6 MPa等）": "Flammable liquids of categories 2 and 3 under special process conditions (hazardous processes, within explosive limits, pressure > 1.6 MPa, etc.)",  # noqa: E501
    "不属于W5.1或W5.2的其他类别2易燃液体": "Other flammable liquids of category 2 (not W5.1 or W5.2)",
    "不属于W5.1或W5.2的其他类别3易燃液体": "Other flammable liquids of category 3 (not W5.1 or W5.2)",
    "A型和B型自反应物质和混合物": "Self-reactive substances and mixtures, types A and B",
    "C型、D型、E型自反应物质和混合物": "Self-reactive substances and mixtures, types C, D and E",
    "A型和B型有机过氧化物": "Organic peroxides, types A and B",
    "C型、D型、E型、F型有机过氧化物": "Organic peroxides, types C, D, E and F",
    "类别1自燃液体和类别1自燃固体": "Pyrophoric liquids and solids, category 1",
    "类别1氧化性固体和液体": "Oxidizing solids and liquids, category 1",
    "类别2、类别3氧化性固体和液体": "Oxidizing solids and liquids, categories 2 and 3",
    "类别1易燃固体": "Flammable solids, category 1",
    "类别1和类别2遇水放出易燃气体的物质和混合物": "Substances and mixtures which emit flammable gases in contact with water, categories 1 and 2",  # noqa: E501
    "煤矿重大事故隐患判定标准（应急管理部令第4号，2020年）": "Criteria for major accident hazards of coal mines (MEM Order No. 4, 2020)",  # noqa: E501
    "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）（安监总管三〔2017〕121号）": "Criteria for major accident hazards of chemical and hazardous-chemicals enterprises (trial), SAWS 2017 No. 121",  # noqa: E501
    "超能力、超强度或者超定员组织生产": "Producing beyond capacity, intensity or staffing limits",
    "瓦斯超限作业": "Working with gas above the limit",
    "煤与瓦斯突出矿井未依照规定实施防突出措施": "Outburst-prone mine without the required outburst prevention",  # noqa: E501
    "高瓦斯、突出矿井未按规定建立或者未正常使用瓦斯抽采系统和监控系统": "High-gas or outburst mine without working gas drainage and monitoring systems",  # noqa: E501
    "通风系统不完善、不可靠": "Incomplete or unreliable ventilation",
    "有严重水患，未采取有效措施": "Serious water hazard without effective measures",
    "超层越界开采": "Mining beyond the licensed seams or boundary",
    "有冲击地压危险，未采取有效措施": "Rock-burst hazard without effective measures",
    "自然发火严重，未采取有效措施": "Serious spontaneous combustion without effective measures",
    "使用明令禁止使用或者淘汰的设备、工艺": "Using banned or phased-out equipment or processes",
    "煤矿没有双回路供电系统": "No dual-circuit power supply",
    "新建煤矿边建设边生产，或改扩建期间在改扩建区域生产、超出设计规定范围组织生产": "Producing while building a new mine, in an area under expansion, or beyond the design",  # noqa: E501
    "承包、托管或出租后未重新取得（变更）安全生产许可证而生产，违规转包、分包，或井下采掘工作面和井巷维修作业劳务承包": "Producing after contracting out, trusteeship or lease without a renewed safety licence; illegal subcontracting; labour-only contracts for underground faces and roadway repair",  # noqa: E501
    "改制、合并、分立期间未明确安全生产责任人和安全生产管理机构，或未依法重新取得（变更）有关证照而生产": "Producing during restructuring, merger or split without named safety responsibility or renewed licences",  # noqa: E501
    "其他重大事故隐患": "Other major accident hazards",
    "危险化学品生产、经营单位主要负责人和安全生产管理人员未依法经考核合格": "Principal and safety managers not examined and qualified as the law requires",  # noqa: E501
    "特种作业人员未持证上岗": "Special-operations workers without certificates",
    "涉及“两重点一重大”的生产装置、储存设施外部安全防护距离不符合国家标准要求": "External safety distances of key-process, key-chemical or major-hazard units below the national standard",  # noqa: E501
    "涉及重点监管危险化工工艺的装置未实现自动化控制，系统未实现紧急停车功能，或装备的自动化控制系统、紧急停车系统未投入使用": "Key hazardous processes without automatic control or emergency shutdown, or with them out of use",  # noqa: E501
    "构成一级、二级重大危险源的危险化学品罐区未实现紧急切断功能；涉及毒性气体、液化气体、剧毒液体的一级、二级重大危险源罐区未配备独立的安全仪表系统": "Level 1 or 2 major-hazard tank farms without emergency shut-off, or, for toxic gases, liquefied gases and highly toxic liquids, without an independent safety instrumented system",  # noqa: E501
    "全压力式液化烃储罐未按国家标准设置注水措施": "Fully pressurised liquefied-hydrocarbon tanks without water injection",  # noqa: E501
    "液化烃、液氨、液氯等易燃易爆、有毒有害液化气体的充装未使用万向管道充装系统": "Loading liquefied hydrocarbons, ammonia, chlorine and similar gases without universal loading arms",  # noqa: E501
    "光气、氯气、硫化氢等有毒气体管道穿（跨）越公共区域，或穿越厂区（园区）外的公共区域": "Pipelines of phosgene, chlorine, hydrogen sulphide or other toxic gases crossing public areas",  # noqa: E501
    "地区架空电力线路穿越生产区且不符合国家标准要求": "Overhead power lines crossing the production area against the national standard",  # noqa: E501
    "在役化工装置未经正规设计且未进行安全设计诊断": "Chemical units in service without proper design or a safety design review",  # noqa: E501
    "使用淘汰落后安全技术工艺、设备目录列出的工艺、设备": "Processes or equipment from the catalogue of obsolete safety technology in use",  # noqa: E501
    "涉及可燃和有毒有害气体泄漏的场所未按国家标准设置检测报警装置，爆炸危险场所未按国家标准安装使用防爆电气设备": "No gas detection and alarms where flammable or toxic gas may leak, or no explosion-proof electrics in explosive areas",  # noqa: E501
    "控制室或机柜间面向具有火灾、爆炸危险性装置一侧不满足国家标准关于防火防爆的要求": "Control or cabinet rooms facing fire- or explosion-prone units without the required protection",  # noqa: E501
    "化工生产装置未按国家标准要求设置双重电源供电，自动化控制系统未设置不间断电源": "Chemical units without dual power supply, or control systems without an uninterruptible power supply",  # noqa: E501
    "安全阀、爆破片等安全附件未正常投用": "Safety valves, bursting discs or other safety accessories not in use",  # noqa: E501
    "未建立与岗位相匹配的全员安全生产责任制，或未制定实施生产安全事故隐患排查治理制度": "No safety responsibility for every post, or no system for finding and fixing hidden hazards",  # noqa: E501
    "未制定操作规程和工艺控制指标": "No operating procedures or process control limits",
    "未按国家标准制定动火、进入受限空间等特殊作业管理制度，或制度未有效执行": "No rules for hot work, confined-space entry and other special work, or the rules not followed",  # noqa: E501
    "新开发的危险化学品生产工艺未经小试、中试、工业化试验直接工业化生产；国内首次使用的化工工艺未经省级有关部门组织安全可靠性论证；新建装置未制定试生产方案投料开车；精细化工企业未按规范开展反应安全风险评估": "New processes scaled up without laboratory, pilot and industrial trials; processes new to China without a provincial safety review; new units started without a trial-run plan; fine-chemical plants without a reaction risk assessment",  # noqa: E501
    "未按国家标准分区分类储存危险化学品，超量、超品种储存危险化学品，或相互禁配物质混放混存": "Hazardous chemicals stored without segregation, above the permitted quantities or kinds, or incompatible substances stored together",  # noqa: E501
    "更改订阅": "Change of subscription",
    "退订": "Unsubscribe",
    "输入短信验证码": "Enter the SMS code",
    "确认退订": "Confirm unsubscribing",
    "确认订阅": "Confirm your subscription",
    "验证码已发送至 %(number)s，%(minutes)s 分钟内有效，可以输入 5 次。": (
        "A code was sent to %(number)s. It is valid for %(minutes)s minutes and may be tried 5 times."
    ),
    "该号码订阅了预警短信时才会收到验证码；输入验证码后即退订。": (
        "The code arrives only if this number is subscribed; entering it ends the subscription."
    ),
    "输入验证码后订阅才生效；已订阅的号码将按这次的选择更新。": (
        "The subscription takes effect once you enter the code; a number already subscribed is updated to "
        "these choices."
    ),
    "没有收到或已过期？重新获取验证码": "No code, or too late? Ask for a new one",
    "填写订阅的手机号，我们向它发送验证码，输入验证码后即退订。也可以打开订阅成功短信里的退订链接。": (
        "Enter the subscribed number: we send it a code, and entering the code ends the subscription. "
        "The unsubscribe link in the confirmation SMS works too."
    ),
    "获取验证码": "Send me a code",
    "提交后，我们向该号码发送短信验证码，输入验证码后订阅才生效。已订阅的号码用同样的方式更改位置或级别。": (
        "We send a code to this number by SMS; the subscription takes effect once you enter it. A subscribed "
        "number changes its place or level the same way."
    ),
    "订阅已更新": "Subscription updated",
    "退订链接已通过短信发送到这个号码，请保留那条短信。也可以随时在“退订”页面用验证码退订。": (
        "The unsubscribe link was sent to this number by SMS: keep that message. You can also unsubscribe "
        "at any time on the Unsubscribe page with a code."
    ),
    "短信验证码": "SMS code",
    "没有这个验证请求，请重新填写。": "There is no such request: please fill in the form again.",
    "修改密码": "Change password",
    "管理员已重置您的密码，请先设置新密码再继续使用。": (
        "An administrator reset your password: set a new one before you go on."
    ),
    "新密码至少 %(min_length)s 位，不能是常见密码。修改后，您在其他设备上的登录和所有令牌都将失效。": (
        "The new password needs at least %(min_length)s characters and must not be a common one. "
        "Changing it signs you out on your other devices and ends all your tokens."
    ),
    "原密码": "Current password",
    "新密码": "New password",
    "再次输入新密码": "New password again",
    "两次输入的新密码不一致": "The two new passwords differ",
    "密码已修改，其他设备上的登录已退出。": "Password changed; you are signed out on your other devices.",
    "重置密码": "Reset password",
    "为账号 %(name)s（%(username)s）生成一个临时密码？该账号的登录和令牌将立即失效，下次登录时须修改密码。": (
        "Give %(name)s (%(username)s) a temporary password? The account's sessions and tokens end at once, "
        "and the password must be changed at the next sign-in."
    ),
    "账号 %(name)s（%(username)s）的临时密码：": "Temporary password of %(name)s (%(username)s):",
    "临时密码只显示这一次。请当面或通过可靠渠道交给本人；下次登录时须修改密码。": (
        "The temporary password is shown this once. Hand it to the person directly or through a channel you "
        "trust; it must be changed at the next sign-in."
    ),
    "返回账号列表": "Back to the accounts",
    # Resources (issue 13)
    "消防救援站": "Fire and rescue station",
    "矿山救护队": "Mine rescue team",
    "危险化学品救援队": "Hazardous chemicals rescue team",
    "森林草原灭火队": "Forest and grassland firefighting team",
    "防汛抢险队": "Flood rescue team",
    "医疗救护队": "Medical rescue team",
    "电力抢修队": "Power repair team",
    "通信保障队": "Communications team",
    "社会救援力量": "Social rescue force",
    "待命": "Standing by",
    "出动": "Dispatched",
    "在途": "En route",
    "到场": "On scene",
    "返回": "Returning",
    "休整": "Resting",
    "排涝泵": "Drainage pump",
    "发电机": "Generator",
    "冲锋舟": "Assault boat",
    "座": "seats",
    "挖掘机": "Excavator",
    "无人机": "Drone",
    "分钟续航": "min endurance",
    "移动照明灯塔": "Mobile light tower",
    "正压式空气呼吸器": "Breathing apparatus",
    "套": "sets",
    "消防车": "Fire engine",
    "吨水": "t of water",
    "履带式消防车": "Tracked fire engine",
    "抢险救援车": "Rescue vehicle",
    "指挥车": "Command vehicle",
    "通信保障车": "Communications vehicle",
    "救护车": "Ambulance",
    "运输车": "Truck",
    "可用": "Available",
    "使用中": "In use",
    "维修保养": "Under maintenance",
    "紧急避难场所": "Emergency shelter",
    "固定避难场所（短期）": "Fixed shelter (short-term)",
    "固定避难场所（中期）": "Fixed shelter (medium-term)",
    "固定避难场所（长期）": "Fixed shelter (long-term)",
    "中心避难场所": "Central shelter",
    "省级": "Provincial",
    "乡镇（街道）级": "Township (street)",
    "村（社区）级": "Village (community)",
    "未启用": "Closed",
    "开放": "Open",
    "已满": "Full",
    "应急供水": "Emergency water",
    "应急供电": "Emergency power",
    "应急厕所": "Emergency toilets",
    "医疗救护": "Medical aid",
    "物资储备": "Supplies",
    "应急照明": "Emergency lighting",
    "消防设施": "Fire protection",
    "标志标识": "Signs",
    "无障碍设施": "Accessibility",
    "地面起降点": "Ground landing site",
    "楼顶停机坪": "Rooftop helipad",
    "通用机场": "General aviation airport",
    "出动中的救援队伍": "Rescue teams out on a call",
    "开放中的避难场所": "Shelters open",
    "保养逾期的装备": "Equipment overdue for maintenance",
    "应急资源": "Resources",
    "救援队伍": "Rescue teams",
    "应急避难场所": "Emergency shelters",
    "救援装备": "Rescue equipment",
    "不可用": "Not available",
    "航空救援起降点": "Aviation rescue helipads",
    "起降点": "Helipads",
    "消防救援站等时圈": "Fire station isochrones",
    "15 分钟": "15 minutes",
    "30 分钟": "30 minutes",
    "60 分钟": "60 minutes",
    "避难场所": "Shelters",
    "资源看板": "Resource board",
    "装备与车辆": "Equipment and vehicles",
    "道路可达": "Reach by road",
    "航空救援": "Aviation rescue",
    "一小时航空救援圈": "The one-hour aviation rescue network",
    (
        "直升机从可用起降点出发：出动准备 %(delay)s 分钟，按巡航速度 %(speed)s km/h 直线飞行，一小时内可"
        "到达的人口。"
    ): (
        "People a helicopter reaches within one hour from a usable helipad: %(delay)s minutes to get read"
        "y, then a straight flight at %(speed)s km/h."
    ),
    "可用起降点": "Usable helipads",
    "一小时内可达人口比例": "Share of people within one hour",
    "一小时内可达人口": "People within one hour",
    "航空救援圈地图": "Map of the aviation rescue network",
    "红色为一小时航空救援圈外的空白区。": "Red: gaps outside the one-hour aviation rescue network.",
    "一小时内可达": "Within one hour",
    "比例": "Share",
    "暂不可用": "Not usable yet",
    "尚未登记起降点": "No helipads registered",
    "登记起降点": "Register a helipad",
    "应急资源看板": "Emergency resource board",
    "救援队伍战备状态": "Readiness of rescue teams",
    "避难场所容量": "Shelter capacity",
    "可容纳人数": "Capacity",
    "在场人数": "People inside",
    "开放场所尚可容纳": "Room in open shelters",
    "车辆": "Vehicles",
    "能力指标": "Capability",
    "车牌号": "Plate",
    "所属单位": "Owner",
    "下次保养日期": "Next maintenance",
    "修改": "Edit",
    "保养日期前14天，系统通知县级管理员和所属企业的安全管理员。": (
        "14 days before the maintenance date, the county administrators and the owning enterprise’s safet"
        "y officers are notified."
    ),
    "仅车辆": "Vehicles only",
    "仅装备": "Equipment only",
    "保养": "Maintenance",
    "保养逾期": "Overdue",
    "名称或车牌号": "Name or plate",
    "共 <span data-list-total>%(n)s</span> 件": "<span data-list-total>%(n)s</span> items",
    "登记装备": "Register equipment",
    "所属": "Owner",
    "暂无装备": "No equipment",
    "返回列表": "Back to the list",
    "附近避难场所": "Nearby shelters",
    "附近开放且有空位的避难场所": "Open shelters with room near you",
    "无法取得您的位置，请在地图上点选所在位置。": (
        "Your location is not available: click where you are on the map."
    ),
    "或在地图上点选所在位置": "or click where you are on the map",
    "避难场所地图": "Map of shelters",
    "最近的避难场所（按道路行驶时间）": "Nearest shelters (by driving time)",
    "驾车约 %(m)s 分钟，道路里程 %(km)s 公里": "about %(m)s min by car, %(km)s km by road",
    "直线 %(d)s 公里": "%(d)s km in a straight line",
    "附近暂无开放且有空位的避难场所。请留意广播和预警信息，或拨打 119、110 求助。": (
        "No open shelter with room nearby. Listen to broadcasts and warnings, or call 119 or 110 for help."
    ),
    "行驶时间按道路网估算，仅供参考；请听从现场工作人员指挥。": (
        "Driving times are estimates from the road network; follow the instructions of the staff on site."
    ),
    "救援队伍道路可达人口": "People within reach of rescue teams by road",
    "队伍类别": "Team kind",
    "仅待命队伍": "Teams standing by only",
    "计算": "Compute",
    "出发队伍 %(n)s 支": "%(n)s teams setting out",
    "%(m)s 分钟内": "within %(m)s min",
    "等时圈地图": "Isochrone map",
    "%(m)s 分钟": "%(m)s min",
    "行驶时间按道路网计算：路段长度 × 曲折系数 ÷ 按道路等级的车速；人口来自人口格网。": (
        "Driving time on the road network: segment length × winding factor ÷ the speed of its road class;"
        " people from the population grid."
    ),
    "有效避难面积（m²）": "Effective area (m²)",
    "容纳人数": "Capacity",
    "尚可容纳 %(n)s 人": "room for %(n)s",
    "管理员": "Manager",
    "未指定": "Not set",
    "设施": "Facilities",
    "确定关闭该避难场所？": "Close this shelter?",
    "登记进出": "Record check-ins and check-outs",
    "场所位置": "Location",
    "进出登记": "Check-ins and check-outs",
    "人数变化": "Change",
    "变化后人数": "People inside after",
    "登记人": "Recorded by",
    "暂无进出登记": "Nothing recorded",
    "修改场所信息": "Edit the shelter",
    "容纳人数 = 有效避难面积 ÷ 该类型人均有效面积，保存时重新计算。": (
        "Capacity = effective area ÷ the per-person area of the type, recomputed on saving."
    ),
    "GB 51143-2015、GB/T 44013-2024": "GB 51143-2015, GB/T 44013-2024",
    "开放或已满": "Open or full",
    "共 <span data-list-total>%(n)s</span> 处": "<span data-list-total>%(n)s</span> shelters",
    "登记避难场所": "Register a shelter",
    "有效面积（m²）": "Effective area (m²)",
    "暂无避难场所": "No shelters",
    "各县（市、区）避难场所覆盖": "Shelter coverage by county",
    "步行服务范围内人口": "People within walking distance",
    "固定场所可容纳": "Capacity of fixed shelters",
    "占人口": "Share of people",
    "达到 %(fixed_target)s%%": "At least %(fixed_target)s%%",
    "是": "Yes",
    "否": "No",
    (
        "步行服务范围：场所类型的服务半径按直线距离 × 1.25 折算步行距离，只计尚有空位的场所；人口来自人口"
        "格网。固定避难场所（短期、中期、长期、中心）可容纳人数应不少于人口的 15%%。"
    ): (
        "Walking distance: the service radius of the shelter type, walked as the straight line × 1.25, to"
        " shelters with room; people from the population grid. Fixed shelters (short-, medium-, long-term"
        " and central) should hold at least 15%% of the people."
    ),
    "人均有效面积（m²）": "Area per person (m²)",
    "服务半径（km）": "Service radius (km)",
    "本市核定": "Set by the city",
    "默认值，待核实": "Default, not yet confirmed",
    "位置上报密钥（只显示这一次，请妥善保存）": "Position key (shown this once: keep it safe)",
    "终端以 Authorization: Bearer 密钥 调用 POST /api/v1/resources/team-positions 上报经纬度。": (
        "A tracker posts its longitude and latitude to POST /api/v1/resources/team-positions with Authori"
        "zation: Bearer and the key."
    ),
    "驻地": "Base",
    "人数": "Headcount",
    "状态时间": "Since",
    "最近上报位置": "Last reported position",
    "无": "None",
    "位置上报密钥": "Position key",
    "未签发": "Not issued",
    "改变战备状态": "Change readiness",
    "签发新密钥后旧密钥立即失效，确定？": "A new key makes the old one stop working at once. Go on?",
    "签发位置上报密钥": "Issue a position key",
    "队伍位置": "Team position",
    "队员": "Members",
    "职务": "Post",
    "手机": "Mobile",
    "专长": "Skills",
    "证书": "Certificates",
    "添加证书": "Add a certificate",
    "确定移除该队员？": "Remove this member?",
    "移除": "Remove",
    "尚未登记队员": "No members registered",
    "添加队员": "Add a member",
    "尚未登记装备": "No equipment registered",
    "战备状态记录": "Readiness history",
    "由": "From",
    "改为": "To",
    "修改队伍信息": "Edit the team",
    "战备状态": "Readiness",
    "出动中（出动、在途、到场、返回）": "Out on a call (dispatched, en route, on scene, returning)",
    "队伍或单位名称": "Team or owner",
    "共 <span data-list-total>%(n)s</span> 支": "<span data-list-total>%(n)s</span> teams",
    "登记救援队伍": "Register a rescue team",
    "队伍名称": "Team name",
    "暂无救援队伍": "No rescue teams",
    "值班电话": "Duty phone",
    "证书名称": "Certificate",
    "证书编号": "Certificate number",
    "所属队伍": "Team",
    "进入人数": "Checked in",
    "离开人数": "Checked out",
    "已登记救援队伍“%(name)s”。": "Rescue team “%(name)s” registered.",
    "已保存。": "Saved.",
    "已登记装备“%(name)s”。": "Equipment “%(name)s” registered.",
    "已登记避难场所“%(name)s”。": "Shelter “%(name)s” registered.",
    "已登记起降点。": "Helipad registered.",
    "位置无效，请重新选择。": "The location is not valid: choose again.",
    "约 %(m)d 分钟": "about %(m)d min",
}

# Messages with a context (pgettext), where one Chinese word needs two English ones: (context, msgid).
IN_CONTEXT: dict[tuple[str, str], str] = {
    ("alarm tier", "企业"): "Enterprise",
    ("alarm tier", "县级"): "County",
    ("alarm tier", "市级"): "City",
}


def fill(po_path: Path) -> list[str]:
    catalog = polib.pofile(str(po_path))
    unknown = []
    for entry in catalog:
        if entry.obsolete:
            continue
        if entry.msgctxt:
            if (entry.msgctxt, entry.msgid) in IN_CONTEXT:
                entry.msgstr = IN_CONTEXT[(entry.msgctxt, entry.msgid)]
                entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
            else:
                unknown.append(f"{entry.msgctxt}|{entry.msgid}")
            continue
        if entry.msgid in ENGLISH:
            english = ENGLISH[entry.msgid]
            if entry.msgid_plural:
                # English has two forms (Plural-Forms: nplurals=2; plural=(n != 1)): singular, plural.
                singular, plural = (english, english) if isinstance(english, str) else english
                entry.msgstr_plural = {0: singular, 1: plural}
            elif isinstance(english, str):
                entry.msgstr = english
            else:
                unknown.append(entry.msgid)  # a (singular, plural) pair for a message without a plural
                continue
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        else:
            unknown.append(entry.msgid)
    catalog.save()
    return unknown


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1] / "src" / "yingji"
    missing = [msgid for po in sorted(root.glob("locale/en/LC_MESSAGES/django.po")) for msgid in fill(po)]
    for msgid in missing:
        print(f"no English for: {msgid!r}", file=sys.stderr)
    sys.exit(1 if missing else 0)
