"""English for the interface's Chinese messages: fills src/yingji/*/locale/en/LC_MESSAGES/django.po.

Run after `yingji makemessages -l en` (from src/yingji), then `yingji compilemessages`;
`make messages` does all three. Messages the table does not know are listed and left empty.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ENGLISH = {
    "首页": "Home",
    "一张图": "Map",
    "单位": "Organizations",
    "账号": "Accounts",
    "审计日志": "Audit log",
    "乡镇（街道）": "Townships",
    "村（居）": "Villages",
    "县级行政区": "Counties",
    "人口密度": "Population density",
    "未找到": "Not found",
    "您要找的页面不存在，或不在您的管辖范围内。": "The page does not exist or is outside your jurisdiction.",
    "返回首页": "Back to the home page",
    "上一页": "Previous",
    "第 %(n)s / %(total)s 页": "Page %(n)s of %(total)s",
    "下一页": "Next",
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
}


def fill(po_path: Path) -> list[str]:
    catalog = polib.pofile(str(po_path))
    unknown = []
    for entry in catalog:
        if entry.obsolete:
            continue
        if entry.msgid in ENGLISH:
            entry.msgstr = ENGLISH[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        else:
            unknown.append(entry.msgid)
    catalog.save()
    return unknown


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1] / "src" / "yingji"
    missing = [msgid for po in sorted(root.glob("*/locale/en/LC_MESSAGES/django.po")) for msgid in fill(po)]
    for msgid in missing:
        print(f"no English for: {msgid!r}", file=sys.stderr)
    sys.exit(1 if missing else 0)
