//! The demo's supervision ledger: two government departments, the pilot office's tasks
//! (some moving, one done, one late), and two inspections whose problems stand at every
//! step of the road to closure: closed, overdue, due within the week, awaiting verification.
//! The departments are headed by a second officer, so the demo officer acts for no unit and
//! may verify every problem.

use wujin_domain::supervision::{ProblemAction, TaskInput, check_inspection, check_problem, check_task};
use wujin_domain::{OrgKind, OrgRecord, Uscc};
use wujin_store::Store;
use wujin_store::problems::NewFile;

use crate::cli::Failure;
use crate::demo_people::fail;

/// A government body's credit code (registration class 11) in Yongkang.
fn government_code(n: u32) -> Result<Uscc, Failure> {
    let body8 = format!("{:08}", 30_100_000 + n);
    let check = Uscc::organisation_check_digit(&body8).ok_or_else(|| fail("organisation code"))?;
    Uscc::complete(&format!("11330784{body8}{check}")).map_err(|e| fail(e.message(wujin_domain::Lang::En)))
}

fn department(n: u32, name: &str, name_en: &str) -> Result<OrgRecord, Failure> {
    let cells = wujin_domain::sheet::Cells::from_pairs([
        ("uscc", Some(government_code(n)?.to_string())),
        ("name", Some(name.to_string())),
        ("name_en", Some(name_en.to_string())),
        ("kind", Some(OrgKind::Government.code().to_string())),
        ("town", Some("330784001".to_string())),
    ]);
    wujin_domain::sheet::org_from_cells(&cells).map_err(|e| fail(format!("{e:?}")))
}

/// A scanned rectification report, as small as a PDF can be and still open.
const REPORT_PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Writes the departments, tasks, inspections and problems. `officer` (the demo officer)
/// records the inspections; a second officer heads both departments.
pub async fn load(
    store: &Store,
    officer: i64,
    second: i64,
    flask: i64,
    caster: i64,
    flask_owner: i64,
    caster_owner: i64,
) -> Result<(), Failure> {
    let s = store;
    let today = wujin_store::ties::today();
    let day = |n: i64| (today + time::Duration::days(n)).to_string();
    let bureau = match s
        .create_department(&department(1, "永康市经济和信息化局", "Yongkang Economy and IT Bureau")?, second)
        .await
        .map_err(fail)?
    {
        wujin_store::departments::NewDepartment::Done(id) | wujin_store::departments::NewDepartment::Exists(id) => id,
    };
    let market = match s
        .create_department(&department(2, "永康市市场监督管理局", "Yongkang Market Supervision Bureau")?, second)
        .await
        .map_err(fail)?
    {
        wujin_store::departments::NewDepartment::Done(id) | wujin_store::departments::NewDepartment::Exists(id) => id,
    };
    let actor = format!("account:{officer}");

    // Tasks of the plan: (title, plan item, unit, owner, due in days, status, milestones as
    // title, due in days and whether done).
    type Milestones = &'static [(&'static str, i64, bool)];
    let tasks: [(&str, &str, i64, &str, i64, &str, Milestones); 5] = [
        (
            "引进一家 CNAS 认可的保温杯检测实验室",
            "consulting_standards",
            market,
            "钱科长",
            150,
            "in_progress",
            &[("完成实验室选址", -20, true), ("签订入驻协议", 40, false), ("通过 CNAS 评审", 140, false)],
        ),
        (
            "搭建五金材料集采平台，首批 30 家企业参与",
            "supply_procurement",
            bureau,
            "赵科长",
            90,
            "in_progress",
            &[("确定铝锭、不锈钢两个首批品类", -10, true), ("首批集采成交", 60, false)],
        ),
        ("培育 3 家工业设计服务机构", "rd_design", bureau, "赵科长", 240, "not_started", &[]),
        ("推动 50 家规上企业上云用数", "digital_fusion", bureau, "孙干事", -15, "done", &[("完成 50 家", -20, true)]),
        (
            "保温杯产业链补链：引进真空镀膜配套",
            "vertical_chain",
            flask,
            "王经理",
            -5,
            "in_progress",
            &[("对接两家镀膜企业", -30, true), ("签订配套协议", -5, false)],
        ),
    ];
    for (title, plan, unit, owner, due, status, milestones) in tasks {
        let dues: Vec<String> = milestones.iter().map(|m| day(m.1)).collect();
        let input = TaskInput {
            title,
            plan_item: plan,
            responsible_org: unit,
            owner,
            due: &day(due),
            milestones: milestones
                .iter()
                .zip(&dues)
                .map(|(m, d)| wujin_domain::supervision::MilestoneInput { title: m.0, due: d, done: m.2 })
                .collect(),
            status: Some(status),
            gap: None,
        };
        let t = check_task(&input).map_err(|e| fail(format!("task {title}: {e:?}")))?;
        s.create_task(&t, &actor).await.map_err(fail)?;
    }

    // An inspection forty days ago at the cup maker's: one problem closed, one overdue.
    let first = check_inspection(
        &day(-40),
        "试点办 赵科长、市场监管局 钱科长",
        "保温杯企业安全生产与质量督查",
        "抽查成品仓库、危废暂存间和出厂检验记录。",
        today,
    )
    .map_err(|e| fail(format!("{e:?}")))?;
    let raise = |text: &str, severity: &str, unit: i64, days: i64| {
        check_problem(text, severity, unit, &day(days.max(0)), None, today).map_err(|e| fail(format!("{e:?}")))
    };
    let p1 = raise("成品仓库消防通道堆放纸箱，宽度不足 1.4 米", "serious", flask, 0)?;
    let p2 = raise("危废暂存间未建立出入库台账", "general", flask, 0)?;
    let (_, ids) = s.record_inspection(&first, &[p1, p2], officer).await.map_err(fail)?;
    s.backdate_problem(ids[0], today - time::Duration::days(30)).await.map_err(fail)?;
    s.backdate_problem(ids[1], today - time::Duration::days(6)).await.map_err(fail)?;
    s.add_to_problem(ids[0], "measure", "纸箱已清出，通道按 1.5 米划黄线并设禁止堆放标识", None, flask_owner)
        .await
        .map_err(fail)?;
    let file = NewFile { name: "消防通道整改报告.pdf", mime: "application/pdf", bytes: REPORT_PDF };
    s.add_to_problem(ids[0], "evidence", "整改前后对比", Some(file), flask_owner).await.map_err(fail)?;
    s.act_on_problem(ids[0], ProblemAction::Submit, "已整改完毕", flask_owner, false, None).await.map_err(fail)?;
    s.act_on_problem(ids[0], ProblemAction::Close, "复查合格，予以销号", second, true, None).await.map_err(fail)?;
    s.add_to_problem(ids[1], "measure", "已购置台账本，正在补录近三个月记录", None, flask_owner).await.map_err(fail)?;

    // A second, ten days ago: due within the week, and two awaiting verification (one of
    // them the bureau's own).
    let second_visit = check_inspection(&day(-10), "试点办 孙干事", "重点企业质量安全督查（压铸）", "", today)
        .map_err(|e| fail(format!("{e:?}")))?;
    let found = [
        raise("出厂检验记录缺少检验员签字", "general", caster, 5)?,
        raise("压铸车间除尘设施未正常运行", "critical", caster, 20)?,
        raise("企业服务平台月度数据未按时更新", "general", bureau, 12)?,
    ];
    let (_, ids) = s.record_inspection(&second_visit, &found, second).await.map_err(fail)?;
    s.add_to_problem(ids[1], "measure", "更换除尘滤筒，增设压差计，每班点检", None, caster_owner)
        .await
        .map_err(fail)?;
    let file = NewFile { name: "除尘设施检测报告.pdf", mime: "application/pdf", bytes: REPORT_PDF };
    s.add_to_problem(ids[1], "evidence", "第三方检测报告", Some(file), caster_owner).await.map_err(fail)?;
    s.act_on_problem(ids[1], ProblemAction::Submit, "请核查", caster_owner, false, None).await.map_err(fail)?;
    s.add_to_problem(ids[2], "measure", "已指定专人每月 5 日前更新", None, second).await.map_err(fail)?;
    s.act_on_problem(ids[2], ProblemAction::Submit, "", second, true, None).await.map_err(fail)?;
    Ok(())
}
