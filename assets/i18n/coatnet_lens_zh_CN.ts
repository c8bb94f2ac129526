<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>About</name>
    <message>
        <source>Device: {device} (no model loaded)</source>
        <translation>设备：{device}（未加载模型）</translation>
    </message>
    <message>
        <source>Model: none loaded</source>
        <translation>模型：未加载</translation>
    </message>
    <message>
        <source>Device: {device}, {precision} (asked for: {choice})</source>
        <translation>设备：{device}，{precision}（所选：{choice}）</translation>
    </message>
    <message>
        <source>Model: {name} · {labels}</source>
        <translation>模型：{name} · {labels}</translation>
    </message>
    <message>
        <source>Model source: {source}: {location}</source>
        <translation>模型来源：{source}：{location}</translation>
    </message>
    <message>
        <source>Data folder: {path}</source>
        <translation>数据文件夹：{path}</translation>
    </message>
    <message>
        <source>Cache folder: {path}</source>
        <translation>缓存文件夹：{path}</translation>
    </message>
    <message>
        <source>About {name}</source>
        <translation>关于 {name}</translation>
    </message>
</context>
<context>
    <name>Appearance</name>
    <message>
        <source>&amp;System</source>
        <translation>跟随系统(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Light</source>
        <translation>浅色(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Dark</source>
        <translation>深色(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Appearance</source>
        <translation>外观(&amp;A)</translation>
    </message>
</context>
<context>
    <name>AuditDetails</name>
    <message>
        <source>unlabelled</source>
        <translation>未标注</translation>
    </message>
    <message>
        <source>Given: &lt;b&gt;{given}&lt;/b&gt; &amp;nbsp; Suggested: &lt;b&gt;{suggested}&lt;/b&gt;</source>
        <translation>现有标签：&lt;b&gt;{given}&lt;/b&gt; &amp;nbsp; 建议标签：&lt;b&gt;{suggested}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Suspect: {suspect} &amp;nbsp; Issue: {issue}</source>
        <translation>可疑度：{suspect} &amp;nbsp; 问题：{issue}</translation>
    </message>
    <message>
        <source> &amp;nbsp; Group: {group}</source>
        <translation> &amp;nbsp; 分组：{group}</translation>
    </message>
    <message>
        <source>Reason: {reason}</source>
        <translation>原因：{reason}</translation>
    </message>
    <message>
        <source>Out-of-fold probabilities: </source>
        <translation>折外概率：</translation>
    </message>
    <message>
        <source>Select a row to see why it was flagged.</source>
        <translation>选择一行，查看它被标记的原因。</translation>
    </message>
</context>
<context>
    <name>AuditLink</name>
    <message>
        <source>Grad-CAM: why {given} (given) and not {suggested} (suggested).</source>
        <translation>Grad-CAM：为什么是 {given}（现有标签）而不是 {suggested}（建议标签）。</translation>
    </message>
    <message>
        <source>the active model has no class {names}</source>
        <translation>当前模型没有类别 {names}</translation>
    </message>
    <message>
        <source> or </source>
        <translation> 或 </translation>
    </message>
    <message>
        <source>given and suggested agree</source>
        <translation>现有标签与建议标签一致</translation>
    </message>
    <message>
        <source>nothing to compare</source>
        <translation>没有可比较的内容</translation>
    </message>
    <message>
        <source>the top class</source>
        <translation>最高类别</translation>
    </message>
    <message>
        <source>Grad-CAM of {name} only: {why}.</source>
        <translation>仅显示 {name} 的 Grad-CAM：{why}。</translation>
    </message>
</context>
<context>
    <name>AuditSession</name>
    <message>
        <source>the table {path}</source>
        <translation>表格 {path}</translation>
    </message>
    <message>
        <source>the Batch run of {path}</source>
        <translation>{path} 的批量运行</translation>
    </message>
    <message>
        <source>the folder {path}</source>
        <translation>文件夹 {path}</translation>
    </message>
    <message>
        <source>Auditing {name}…</source>
        <translation>正在审查 {name}…</translation>
    </message>
    <message>
        <source>Auditing the Batch run of {name}…</source>
        <translation>正在审查 {name} 的批量运行…</translation>
    </message>
    <message>
        <source>reading files</source>
        <translation>读取文件</translation>
    </message>
    <message>
        <source>out-of-fold heads</source>
        <translation>折外分类头</translation>
    </message>
    <message>
        <source>thumbnails</source>
        <translation>缩略图</translation>
    </message>
    <message>
        <source>features</source>
        <translation>特征</translation>
    </message>
    <message>
        <source>outliers</source>
        <translation>离群点</translation>
    </message>
    <message>
        <source>duplicates</source>
        <translation>重复项</translation>
    </message>
</context>
<context>
    <name>AuditTab</name>
    <message>
        <source>Tables from label (*.csv *.jsonl)</source>
        <translation>label 导出的表格 (*.csv *.jsonl)</translation>
    </message>
    <message>
        <source>Audit a folder…</source>
        <translation>审查文件夹…</translation>
    </message>
    <message>
        <source>A folder of class folders (its labels are the folder names), or plain images</source>
        <translation>按类别分子文件夹的文件夹（标签即文件夹名），或普通图像</translation>
    </message>
    <message>
        <source>Audit a table…</source>
        <translation>审查表格…</translation>
    </message>
    <message>
        <source>A CSV/JSONL from `label` (or the Batch tab&apos;s export); its corrected column wins</source>
        <translation>由 `label`（或批量标签页导出）生成的 CSV/JSONL；以其 corrected 列为准</translation>
    </message>
    <message>
        <source>Audit the Batch run</source>
        <translation>审查批量运行</translation>
    </message>
    <message>
        <source>The Batch tab&apos;s run: a row&apos;s correction, else the model&apos;s top-1</source>
        <translation>批量标签页的运行：有更正时取更正，否则取模型的 Top-1</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Audit a labelled folder, a table or the Batch run to find likely wrong labels.</source>
        <translation>审查已标注的文件夹、表格或批量运行，找出可能错误的标签。</translation>
    </message>
    <message>
        <source>Likely wrong first</source>
        <translation>可能错误的优先</translation>
    </message>
    <message>
        <source>Only suspects</source>
        <translation>仅可疑项</translation>
    </message>
    <message>
        <source>Only the rows whose label is likely wrong (issue: label)</source>
        <translation>仅显示标签可能错误的行（问题：标签）</translation>
    </message>
    <message>
        <source>Every issue</source>
        <translation>所有问题</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Accept suggestion</source>
        <translation>接受建议</translation>
    </message>
    <message>
        <source>Give the selected rows their suggested class where the labels live</source>
        <translation>在标签所在之处，将所选行改为建议的类别</translation>
    </message>
    <message>
        <source>Set class…</source>
        <translation>设置类别…</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Take back the last accepted suggestion or set class (again for the one before)</source>
        <translation>撤回上一次接受的建议或设置的类别（再按一次撤回更早的一次）</translation>
    </message>
    <message>
        <source>Issue:</source>
        <translation>问题：</translation>
    </message>
    <message>
        <source>The audit failed: {message}</source>
        <translation>审查失败：{message}</translation>
    </message>
    <message>
        <source>Audit cancelled; the features computed so far are kept.</source>
        <translation>审查已取消；已计算的特征会保留。</translation>
    </message>
    <message>
        <source>No model is loaded yet; the audit uses the active model&apos;s features.</source>
        <translation>尚未加载模型；审查使用当前模型的特征。</translation>
    </message>
    <message>
        <source>The Batch tab has no labelled run to audit yet.</source>
        <translation>批量标签页中还没有可供审查的已标注运行。</translation>
    </message>
    <message>
        <source>Audit a folder of class folders</source>
        <translation>审查按类别分子文件夹的文件夹</translation>
    </message>
    <message>
        <source>Audit a table from label</source>
        <translation>审查 label 导出的表格</translation>
    </message>
    <message>
        <source>Note: {note}</source>
        <translation>注：{note}</translation>
    </message>
    <message>
        <source>Audited {source}.</source>
        <translation>已审查{source}。</translation>
    </message>
    <message>
        <source>{shown:,} of {total:,} shown</source>
        <translation>显示 {shown:,} / {total:,}</translation>
    </message>
    <message>
        <source>Set class: {name}</source>
        <translation>设置类别：{name}</translation>
    </message>
    <message>
        <source>Select rows with a suggestion first.</source>
        <translation>请先选择带有建议的行。</translation>
    </message>
    <message>
        <source>Select the rows to give a class first.</source>
        <translation>请先选择要设置类别的行。</translation>
    </message>
</context>
<context>
    <name>AuditTableModel</name>
    <message>
        <source>Path</source>
        <translation>路径</translation>
    </message>
    <message>
        <source>Given</source>
        <translation>现有标签</translation>
    </message>
    <message>
        <source>Suggested</source>
        <translation>建议标签</translation>
    </message>
    <message>
        <source>Suspect</source>
        <translation>可疑度</translation>
    </message>
    <message>
        <source>Issue</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>分组</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>The class the image has now (its folder, the table&apos;s corrected or label column, the run&apos;s class)</source>
        <translation>图像当前的类别（其所在文件夹、表格的 corrected 或 label 列、运行中的类别）</translation>
    </message>
    <message>
        <source>The most probable class out of fold (heads that never saw this image)</source>
        <translation>折外预测中概率最高的类别（由从未见过此图像的分类头给出）</translation>
    </message>
    <message>
        <source>How little the other images support the given class: 100 % = almost surely wrong</source>
        <translation>其他图像对现有标签的支持有多弱：100 % = 几乎肯定错误</translation>
    </message>
    <message>
        <source>label: likely wrong label; duplicate / near-duplicate; outlier; error: unreadable or missing</source>
        <translation>标签：标签可能错误；重复 / 近似重复；离群点；错误：无法读取或缺失</translation>
    </message>
    <message>
        <source>The duplicate group (0: none)</source>
        <translation>重复分组（0：无）</translation>
    </message>
</context>
<context>
    <name>BatchPrompts</name>
    <message>
        <source>Export the shown rows</source>
        <translation>导出显示的行</translation>
    </message>
    <message>
        <source>Export results</source>
        <translation>导出结果</translation>
    </message>
    <message>
        <source>CSV (*.csv);;JSON Lines (*.jsonl)</source>
        <translation>CSV (*.csv);;JSON Lines (*.jsonl)</translation>
    </message>
    <message>
        <source>Undo the sort of</source>
        <translation>撤销以下清单的分拣</translation>
    </message>
    <message>
        <source>Sort manifest (*.jsonl)</source>
        <translation>分拣清单 (*.jsonl)</translation>
    </message>
    <message>
        <source>Undo sort</source>
        <translation>撤销分拣</translation>
    </message>
    <message>
        <source>Cannot undo: {error}</source>
        <translation>无法撤销：{error}</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>{name} was not written by CoAtNet Lens for you, or it was changed since. It lists {n:,} files; look at them under Show Details.</source>
        <translation>{name} 不是 CoAtNet Lens 为你写入的，或之后已被修改。它列出了 {n:,} 个文件；请在“显示详细信息”中查看。</translation>
    </message>
    <message>
        <source>Undo would only remove copies inside {dest} that are identical to the file they list; nothing is moved out of that folder.</source>
        <translation>撤销只会删除 {dest} 中与清单所列文件完全相同的副本；不会从该文件夹移出任何文件。</translation>
    </message>
    <message>
        <source>Undo inside this folder only</source>
        <translation>仅在此文件夹内撤销</translation>
    </message>
    <message>
        <source>Unexported results</source>
        <translation>未导出的结果</translation>
    </message>
    <message>
        <source>{n:,} labelled images of {root} are not exported yet.</source>
        <translation>{root} 中已标注的 {n:,} 张图像尚未导出。</translation>
    </message>
    <message>
        <source>They are kept and offered again at the next start if you quit anyway.</source>
        <translation>如果仍然退出，它们会被保留，并在下次启动时再次提供。</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Quit anyway</source>
        <translation>仍然退出</translation>
    </message>
    <message>
        <source>New class</source>
        <translation>新类别</translation>
    </message>
    <message>
        <source>Name of the new class:</source>
        <translation>新类别的名称：</translation>
    </message>
</context>
<context>
    <name>BatchSession</name>
    <message>
        <source>That run is gone from the data folder.</source>
        <translation>该运行已不在数据文件夹中。</translation>
    </message>
    <message>
        <source>Could not discard that run: {error}</source>
        <translation>无法丢弃该运行：{error}</translation>
    </message>
    <message>
        <source>That run cannot be brought back: it is gone, or it was labelled again meanwhile.</source>
        <translation>无法恢复该运行：它已不存在，或在此期间已被重新标注。</translation>
    </message>
    <message>
        <source>Could not bring that run back: {error}</source>
        <translation>无法恢复该运行：{error}</translation>
    </message>
    <message>
        <source>Could not save the corrections: {error}</source>
        <translation>无法保存更正：{error}</translation>
    </message>
    <message>
        <source>Nothing has been labelled yet.</source>
        <translation>尚未标注任何图像。</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message>
        <source>Failed: {error}</source>
        <translation>失败：{error}</translation>
    </message>
</context>
<context>
    <name>BatchStatus</name>
    <message>
        <source> · {n} failed</source>
        <translation> · {n} 张失败</translation>
    </message>
    <message>
        <source> · {n} from before</source>
        <translation> · {n} 张来自之前</translation>
    </message>
    <message>
        <source> · paused</source>
        <translation> · 已暂停</translation>
    </message>
    <message>
        <source>{done}/{total} images · {rate:.1f} images/s · {eta} left</source>
        <translation>{done}/{total} 张图像 · {rate:.1f} 张/秒 · 剩余 {eta}</translation>
    </message>
    <message>
        <source>Cancelled after {n:,} images, {failed:,} failed</source>
        <translation>已在 {n:,} 张图像后取消，{failed:,} 张失败</translation>
    </message>
    <message>
        <source>Labelled {n:,} images, {failed:,} failed</source>
        <translation>已标注 {n:,} 张图像，{failed:,} 张失败</translation>
    </message>
    <message>
        <source>, in {took} ({rate:.1f} images/s).</source>
        <translation>，用时 {took}（{rate:.1f} 张/秒）。</translation>
    </message>
    <message>
        <source> (all in an earlier session).</source>
        <translation>（全部在之前的会话中完成）。</translation>
    </message>
    <message>
        <source> ({now:,} in this session, in {took}, {rate:.1f} images/s).</source>
        <translation>（本次会话 {now:,} 张，用时 {took}，{rate:.1f} 张/秒）。</translation>
    </message>
    <message>
        <source> of {n:,}</source>
        <translation> / {n:,}</translation>
    </message>
    <message>
        <source> (not exported)</source>
        <translation>（未导出）</translation>
    </message>
    <message>
        <source>, {n:,} corrected</source>
        <translation>，{n:,} 张已更正</translation>
    </message>
    <message>
        <source>Resume labelling {root}: {done:,}{total} done{corrected}{unexported}</source>
        <translation>继续标注 {root}：已完成 {done:,}{total}{corrected}{unexported}</translation>
    </message>
    <message>
        <source> and your {n:,} corrections</source>
        <translation>以及你的 {n:,} 处更正</translation>
    </message>
    <message>
        <source>Discard the run of {root}: {done:,} labelled images{corrected}?</source>
        <translation>丢弃 {root} 的运行：{done:,} 张已标注图像{corrected}？</translation>
    </message>
    <message>
        <source>It is moved aside and deleted after {days} days; &quot;Undo discard&quot; brings it back.</source>
        <translation>它会被移到一旁，{days} 天后删除；“撤销丢弃”可将其恢复。</translation>
    </message>
    <message>
        <source>Discarded the run of {root} ({done:,} images{corrected}).</source>
        <translation>已丢弃 {root} 的运行（{done:,} 张图像{corrected}）。</translation>
    </message>
    <message>
        <source>{root} is not there any more: put it back, or discard its run.</source>
        <translation>{root} 已不存在：请将其放回，或丢弃该运行。</translation>
    </message>
    <message>
        <source>Loading {model} ({source}) to resume {root}…</source>
        <translation>正在加载 {model}（{source}）以继续 {root}…</translation>
    </message>
    <message>
        <source>{root} was labelled with {model} on {device} {precision}; choose that device in the Model menu to resume it.</source>
        <translation>{root} 是用 {model} 在 {device} {precision} 上标注的；请在“模型”菜单中选择该设备以继续。</translation>
    </message>
    <message>
        <source>; {n} failed (first: {error})</source>
        <translation>；{n} 个失败（首个：{error}）</translation>
    </message>
    <message>
        <source>Sorted {n} files{failed}. Manifest: {manifest}</source>
        <translation>已分拣 {n} 个文件{failed}。清单：{manifest}</translation>
    </message>
</context>
<context>
    <name>BatchTableModel</name>
    <message>
        <source>The class you gave the image (F2 or double-click to edit; empty: the model&apos;s Top-1 stands)</source>
        <translation>你为图像指定的类别（按 F2 或双击编辑；为空：采用模型的 Top-1）</translation>
    </message>
    <message>
        <source>Top-1 minus top-2 probability, in percentage points: the smaller, the less certain the model</source>
        <translation>Top-1 与 Top-2 概率之差（百分点）：越小，模型越不确定</translation>
    </message>
    <message>
        <source>The saved map over the image, its deletion score (lower: the map finds what the model uses) and the verdict against random orders of the same image: better, worse or inconclusive (inside their 95 % interval)</source>
        <translation>图像上保存的热力图、其删除分数（越低表示热力图越能找到模型所依据的区域），以及与同一图像随机顺序相比的结论：更好、更差或无定论（落在其 95% 区间内）</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>路径</translation>
    </message>
    <message>
        <source>Top-1</source>
        <translation>Top-1</translation>
    </message>
    <message>
        <source>Corrected</source>
        <translation>已更正</translation>
    </message>
    <message>
        <source>Confidence</source>
        <translation>置信度</translation>
    </message>
    <message>
        <source>Margin</source>
        <translation>置信差</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Map</source>
        <translation>热力图</translation>
    </message>
    <message>
        <source>error</source>
        <translation>错误</translation>
    </message>
</context>
<context>
    <name>BatchView</name>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Export shown rows…</source>
        <translation>导出显示的行…</translation>
    </message>
    <message>
        <source>Sort into folders…</source>
        <translation>分拣到文件夹…</translation>
    </message>
    <message>
        <source>Undo sort…</source>
        <translation>撤销分拣…</translation>
    </message>
    <message>
        <source>No model is loaded yet; wait for it or choose one in the Model menu.</source>
        <translation>尚未加载模型；请等待加载，或在“模型”菜单中选择一个。</translation>
    </message>
    <message>
        <source>{path} is not a folder.</source>
        <translation>{path} 不是文件夹。</translation>
    </message>
    <message>
        <source>Nothing</source>
        <translation>（空）</translation>
    </message>
    <message>
        <source>Uncheck Save maps to label with it.</source>
        <translation>取消勾选“保存热力图”即可用它标注。</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Select the rows to correct first.</source>
        <translation>请先选择要更正的行。</translation>
    </message>
    <message>
        <source>Set class…</source>
        <translation>设置类别…</translation>
    </message>
    <message>
        <source>Set class: {name}</source>
        <translation>设置类别：{name}</translation>
    </message>
    <message>
        <source>Clear correction</source>
        <translation>清除更正</translation>
    </message>
    <message>
        <source>New class…</source>
        <translation>新类别…</translation>
    </message>
    <message>
        <source>Teaching failed: {message}</source>
        <translation>教学失败：{message}</translation>
    </message>
    <message>
        <source>Taught a model: {path}. Loading it as the active model…</source>
        <translation>已教出模型：{path}。正在将其加载为当前模型…</translation>
    </message>
</context>
<context>
    <name>Camera</name>
    <message>
        <source>No camera found</source>
        <translation>未找到摄像头</translation>
    </message>
    <message>
        <source>Cameras need PySide6-Addons of the same version as PySide6-Essentials (pip install &apos;coatnet-lens[camera]&apos;).</source>
        <translation>摄像头需要与 PySide6-Essentials 版本相同的 PySide6-Addons（pip install &apos;coatnet-lens[camera]&apos;）。</translation>
    </message>
</context>
<context>
    <name>CameraSource</name>
    <message>
        <source>The camera {name} is not connected any more.</source>
        <translation>摄像头 {name} 已不再连接。</translation>
    </message>
    <message>
        <source>The camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <source>it may be in use by another program</source>
        <translation>它可能正被其他程序占用</translation>
    </message>
    <message>
        <source>{name} stopped: {why}.</source>
        <translation>{name} 已停止：{why}。</translation>
    </message>
    <message>
        <source>{name} was disconnected.</source>
        <translation>{name} 已断开连接。</translation>
    </message>
</context>
<context>
    <name>CapturePanel</name>
    <message>
        <source>Snapshot and capture</source>
        <translation>快照与采集</translation>
    </message>
    <message>
        <source>Snapshot to the Image tab</source>
        <translation>快照发送到图像标签页</translation>
    </message>
    <message>
        <source>Open the frame shown in the Image tab, fully explained (S)</source>
        <translation>在图像标签页中打开当前显示的帧，并给出完整解释 (S)</translation>
    </message>
    <message>
        <source>class to capture into</source>
        <translation>要采集到的类别</translation>
    </message>
    <message>
        <source>Hold to capture</source>
        <translation>按住以采集</translation>
    </message>
    <message>
        <source>While held (or C), frames go into the class&apos;s folder</source>
        <translation>按住时（或按住 C 键），帧会存入该类别的文件夹</translation>
    </message>
    <message>
        <source>Teach from captures…</source>
        <translation>从采集的帧教学…</translation>
    </message>
    <message>
        <source>Teach a model the captured classes</source>
        <translation>教模型认识采集到的类别</translation>
    </message>
    <message>
        <source>There is no frame to snapshot yet: open a video file or start a camera.</source>
        <translation>还没有可快照的帧：请打开视频文件或启动摄像头。</translation>
    </message>
    <message>
        <source>Saving the snapshot…</source>
        <translation>正在保存快照…</translation>
    </message>
    <message>
        <source>Name the class to capture into first.</source>
        <translation>请先填写要采集到的类别名称。</translation>
    </message>
    <message>
        <source>Captured: {counts} (in {folder})</source>
        <translation>已采集：{counts}（位于 {folder}）</translation>
    </message>
</context>
<context>
    <name>Checks</name>
    <message>
        <source>Scoring the map…</source>
        <translation>正在为热力图评分…</translation>
    </message>
    <message>
        <source>This model has no Transformer blocks: no attention heads to show.</source>
        <translation>该模型没有 Transformer 块：没有可显示的注意力头。</translation>
    </message>
    <message>
        <source>{heads} heads in {blocks} Transformer blocks. Distance: how far each head looks, weighted by its attention (ViT paper, Fig. 7). Click a point to show that head&apos;s map.</source>
        <translation>{blocks} 个 Transformer 块中共 {heads} 个注意力头。距离：每个头按注意力加权后看得有多远（ViT 论文，图 7）。点击一个点即可显示该头的热力图。</translation>
    </message>
    <message>
        <source>There is no head chart to save: open an image with a model that has attention.</source>
        <translation>没有可保存的注意力头图表：请用带注意力的模型打开一张图像。</translation>
    </message>
    <message>
        <source>Saving {name}…</source>
        <translation>正在保存 {name}…</translation>
    </message>
    <message>
        <source>Saved the head chart to {path}</source>
        <translation>已将注意力头图表保存到 {path}</translation>
    </message>
    <message>
        <source>Save head chart</source>
        <translation>保存注意力头图表</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
</context>
<context>
    <name>ChecksPanel</name>
    <message>
        <source>Score the map on screen</source>
        <translation>为屏幕上的热力图评分</translation>
    </message>
    <message>
        <source>Deletion and insertion curves of the map on screen (2 × 31 perturbed images through the network, on the model&apos;s thread), beside those of a random order</source>
        <translation>屏幕上热力图的删除与插入曲线（2 × 31 张扰动图像经过网络，在模型线程上运行），并与随机顺序的曲线对照</translation>
    </message>
    <message>
        <source>Fill: {fill}</source>
        <translation>填充：{fill}</translation>
    </message>
    <message>
        <source>What replaces the removed pixels. When the model barely reacts to a fill (a blur keeps the shape of a garment, for one), the curves are flat and say nothing: try the dataset mean, noise, or ROAD&apos;s imputation from the neighbouring pixels (Rong et al. 2022; the slowest).</source>
        <translation>用什么替换被移除的像素。当模型对某种填充几乎没有反应时（例如模糊仍保留了衣物的形状），曲线是平的，说明不了什么：请尝试数据集均值、噪声，或 ROAD 基于相邻像素的插补（Rong 等，2022；最慢）。</translation>
    </message>
    <message>
        <source>&amp;Score all maps</source>
        <translation>为所有热力图评分(&amp;S)</translation>
    </message>
    <message>
        <source>Score one map of each kind that ranks pixels (Grad-CAM, rollout, attention received and from the query point, activations) for the top class, ranked: which view explains this prediction best</source>
        <translation>针对最高类别，为每种能对像素排序的热力图（Grad-CAM、注意力展开、被关注度与查询点注意力、激活）各评一张分并排序：哪种视图最能解释这次预测</translation>
    </message>
    <message>
        <source>Faithfulness</source>
        <translation>忠实度</translation>
    </message>
    <message>
        <source>What the chart plots for each head, against the depth of its block</source>
        <translation>图表为每个注意力头绘制的指标，横轴为其所在块的深度</translation>
    </message>
    <message>
        <source>Heads</source>
        <translation>注意力头</translation>
    </message>
    <message>
        <source>Sanity</source>
        <translation>健全性</translation>
    </message>
    <message>
        <source>The map is scored once it stays on screen a moment.</source>
        <translation>热力图在屏幕上停留片刻后即会评分。</translation>
    </message>
    <message>
        <source>Tick “Score the map on screen” to score this map.</source>
        <translation>勾选“为屏幕上的热力图评分”即可为此热力图评分。</translation>
    </message>
    <message>
        <source>Scoring the map with the new fill…</source>
        <translation>正在用新的填充方式为热力图评分…</translation>
    </message>
    <message>
        <source>Scoring every map…</source>
        <translation>正在为所有热力图评分…</translation>
    </message>
    <message>
        <source>For “{name}”, {steps} steps, fill: {fill}. Click a row to show that map.</source>
        <translation>针对“{name}”，{steps} 步，填充：{fill}。点击一行即可显示该热力图。</translation>
    </message>
    <message>
        <source>Scoring starts when the map has been computed.</source>
        <translation>热力图计算完成后开始评分。</translation>
    </message>
    <message>
        <source>Mean attention distance (input px)</source>
        <translation>平均注意力距离（输入像素）</translation>
    </message>
    <message>
        <source>Positional share</source>
        <translation>位置占比</translation>
    </message>
    <message>
        <source>Attention entropy (nats)</source>
        <translation>注意力熵（nats）</translation>
    </message>
</context>
<context>
    <name>ClassBar</name>
    <message>
        <source>{label}: {percent:.2f}% (class {index}) — click for its Grad-CAM;
Ctrl+click (Cmd+click): why the Grad-CAM class and not this one</source>
        <translation>{label}：{percent:.2f}%（类别 {index}）— 点击查看其 Grad-CAM 类激活图；
Ctrl+点击（Cmd+点击）：为什么是 Grad-CAM 所示类别而不是这个</translation>
    </message>
</context>
<context>
    <name>ClassDelegate</name>
    <message>
        <source>New class</source>
        <translation>新类别</translation>
    </message>
    <message>
        <source>Add the new class &apos;{name}&apos;?</source>
        <translation>添加新类别“{name}”？</translation>
    </message>
    <message>
        <source>It is not one of the classes yet; check its spelling.</source>
        <translation>它还不是已有类别；请检查拼写。</translation>
    </message>
</context>
<context>
    <name>ClassPrompt</name>
    <message>
        <source>Set class</source>
        <translation>设置类别</translation>
    </message>
    <message>
        <source>Class of the {n:,} selected images (choose, or type a new class):</source>
        <translation>所选 {n:,} 张图像的类别（选择，或输入新类别）：</translation>
    </message>
    <message>
        <source>Type or choose a class</source>
        <translation>输入或选择一个类别</translation>
    </message>
</context>
<context>
    <name>CorrectBar</name>
    <message>
        <source>Set class…</source>
        <translation>设置类别…</translation>
    </message>
    <message>
        <source>Give the selected images a class (choose one, or type a new one)</source>
        <translation>为所选图像指定类别（选择一个，或输入新类别）</translation>
    </message>
    <message>
        <source>Least certain first</source>
        <translation>最不确定的优先</translation>
    </message>
    <message>
        <source>Sort so that the images the model is least sure of come first</source>
        <translation>排序，使模型最没把握的图像排在前面</translation>
    </message>
    <message>
        <source>Smallest margin (top-1 − top-2)</source>
        <translation>置信差最小（top-1 − top-2）</translation>
    </message>
    <message>
        <source>Lowest top-1 probability</source>
        <translation>top-1 概率最低</translation>
    </message>
    <message>
        <source>Teach…</source>
        <translation>教学…</translation>
    </message>
    <message>
        <source>Teach a model your classes from this run&apos;s rows or a labelled folder</source>
        <translation>用本次运行的行或已标注的文件夹，教模型认识你的类别</translation>
    </message>
    <message>
        <source>Relabel</source>
        <translation>重新标注</translation>
    </message>
    <message>
        <source>Label the folder again with the active model (a new version, previewed)</source>
        <translation>用当前模型重新标注文件夹（生成新版本，可预览）</translation>
    </message>
    <message>
        <source>Undo relabel</source>
        <translation>撤销重新标注</translation>
    </message>
    <message>
        <source>Show the labels from before the last relabel (the corrections stay)</source>
        <translation>显示上一次重新标注之前的标签（更正保留）</translation>
    </message>
</context>
<context>
    <name>DownloadBar</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop the download (Esc); what arrived is kept for the next attempt</source>
        <translation>停止下载（Esc）；已下载的部分会保留供下次继续</translation>
    </message>
    <message>
        <source>Loading {name}</source>
        <translation>正在加载 {name}</translation>
    </message>
</context>
<context>
    <name>EmbeddingMap</name>
    <message>
        <source>given label</source>
        <translation>现有标签</translation>
    </message>
    <message>
        <source>suggestion</source>
        <translation>建议标签</translation>
    </message>
    <message>
        <source>suspect</source>
        <translation>可疑度</translation>
    </message>
    <message>
        <source>confidence</source>
        <translation>置信度</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>no label check</source>
        <translation>未做标签检查</translation>
    </message>
    <message>
        <source>0 (fits its label)</source>
        <translation>0（与标签相符）</translation>
    </message>
    <message>
        <source>1 (likely wrong)</source>
        <translation>1（可能错误）</translation>
    </message>
    <message>
        <source>Colour by {how}</source>
        <translation>按{how}着色</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <source>Show every point again (or double-click the map)</source>
        <translation>重新显示所有点（或双击分布图）</translation>
    </message>
    <message>
        <source>No map yet</source>
        <translation>尚无分布图</translation>
    </message>
    <message>
        <source>No map: the audit has no feature vectors (no readable image)</source>
        <translation>无分布图：审查结果没有特征向量（没有可读取的图像）</translation>
    </message>
    <message>
        <source>Mapping {n:,} images…</source>
        <translation>正在为 {n:,} 张图像绘制分布图…</translation>
    </message>
    <message>
        <source>Refining the map</source>
        <translation>正在细化分布图</translation>
    </message>
    <message>
        <source>Map refinement stopped</source>
        <translation>分布图细化已停止</translation>
    </message>
    <message>
        <source>Refining: neighbours {done} / {total} blocks</source>
        <translation>细化中：近邻 {done} / {total} 块</translation>
    </message>
    <message>
        <source>Refining: epoch {done} / {total}</source>
        <translation>细化中：轮次 {done} / {total}</translation>
    </message>
    <message>
        <source>{n:,} images: PCA map; refining…</source>
        <translation>{n:,} 张图像：PCA 分布图；细化中…</translation>
    </message>
    <message>
        <source>{n:,} images, refined map (UMAP-like)</source>
        <translation>{n:,} 张图像，已细化的分布图（类 UMAP）</translation>
    </message>
    <message>
        <source>Map refinement failed: {error}</source>
        <translation>分布图细化失败：{error}</translation>
    </message>
</context>
<context>
    <name>ExportStatus</name>
    <message>
        <source>Exporting… {done:,} of {total:,} rows</source>
        <translation>正在导出… {done:,} / {total:,} 行</translation>
    </message>
    <message>
        <source>Exported {labelled} labelled and {failed} failed images to {path}.</source>
        <translation>已将 {labelled} 张已标注和 {failed} 张失败的图像导出到 {path}。</translation>
    </message>
    <message>
        <source>Could not export to {path}: {error}</source>
        <translation>无法导出到 {path}：{error}</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
</context>
<context>
    <name>Faithfulness</name>
    <message>
        <source>✓ better</source>
        <translation>✓ 更好</translation>
    </message>
    <message>
        <source>✗ worse</source>
        <translation>✗ 更差</translation>
    </message>
    <message>
        <source>inconclusive</source>
        <translation>无定论</translation>
    </message>
    <message>
        <source>random {lo:.3f}–{hi:.3f}</source>
        <translation>随机 {lo:.3f}–{hi:.3f}</translation>
    </message>
    <message>
        <source>{steps} steps · fill: {fill}</source>
        <translation>{steps} 步 · 填充：{fill}</translation>
    </message>
    <message>
        <source>Deletion {deletion:.3f} · insertion {insertion:.3f}</source>
        <translation>删除 {deletion:.3f} · 插入 {insertion:.3f}</translation>
    </message>
    <message>
        <source>Deletion area &lt;b&gt;{area:.3f}&lt;/b&gt; ({interval}, lower is better): {verdict}</source>
        <translation>删除曲线面积 &lt;b&gt;{area:.3f}&lt;/b&gt;（{interval}，越低越好）：{verdict}</translation>
    </message>
    <message>
        <source>Insertion area &lt;b&gt;{area:.3f}&lt;/b&gt; ({interval}, higher is better): {verdict}</source>
        <translation>插入曲线面积 &lt;b&gt;{area:.3f}&lt;/b&gt;（{interval}，越高越好）：{verdict}</translation>
    </message>
    <message>
        <source>The model barely reacts to this fill (p moves less than {range} over all steps)</source>
        <translation>模型对这种填充几乎没有反应（所有步骤中 p 的变化小于 {range}）</translation>
    </message>
    <message>
        <source>: choose another fill above.</source>
        <translation>：请在上方选择其他填充方式。</translation>
    </message>
    <message>
        <source>Deletion: the map&apos;s most important pixels are replaced first (by the chosen fill); a faithful map makes the class probability fall fast (small area).
Insertion: they are revealed first on the filled image; the probability should rise fast (large area). Dashed: the mean of several random orders.</source>
        <translation>删除：先替换热力图中最重要的像素（用所选填充）；忠实的热力图会使类别概率迅速下降（面积小）。
插入：在填充后的图像上先显示这些像素；概率应迅速上升（面积大）。虚线：多个随机顺序的平均值。</translation>
    </message>
    <message>
        <source>pixels removed / revealed (%)</source>
        <translation>移除 / 显示的像素（%）</translation>
    </message>
    <message>
        <source>deletion</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>insertion</source>
        <translation>插入</translation>
    </message>
    <message>
        <source>random (mean)</source>
        <translation>随机（均值）</translation>
    </message>
    <message>
        <source>Open an image to score its map.</source>
        <translation>打开一张图像，为其热力图评分。</translation>
    </message>
</context>
<context>
    <name>FilePlayer</name>
    <message>
        <source>{path}: holds no video frames</source>
        <translation>{path}：不含视频帧</translation>
    </message>
    <message>
        <source>Opening {name}…</source>
        <translation>正在打开 {name}…</translation>
    </message>
</context>
<context>
    <name>Filmstrip</name>
    <message>
        <source>Could not be opened: {reason}</source>
        <translation>无法打开：{reason}</translation>
    </message>
</context>
<context>
    <name>FilterBar</name>
    <message>
        <source>all rows</source>
        <translation>所有行</translation>
    </message>
    <message>
        <source>not corrected</source>
        <translation>未更正</translation>
    </message>
    <message>
        <source>corrected</source>
        <translation>已更正</translation>
    </message>
    <message>
        <source>Only the rows you have not corrected yet, or only those you have</source>
        <translation>仅显示尚未更正的行，或仅显示已更正的行</translation>
    </message>
    <message>
        <source>Show:</source>
        <translation>显示：</translation>
    </message>
    <message>
        <source>confidence from</source>
        <translation>置信度从</translation>
    </message>
    <message>
        <source>to</source>
        <translation>到</translation>
    </message>
    <message>
        <source>All classes</source>
        <translation>所有类别</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>All classes ({n:,})</source>
        <translation>所有类别（{n:,}）</translation>
    </message>
    <message>
        <source>Failed ({n:,})</source>
        <translation>失败（{n:,}）</translation>
    </message>
    <message>
        <source>{shown:,} of {total:,} shown</source>
        <translation>显示 {shown:,} / {total:,}</translation>
    </message>
</context>
<context>
    <name>HeadShareChart</name>
    <message>
        <source>How positional each head is: var(w[i−j]) / (var(w[i−j]) + var(q·k/√d)) over keys, averaged over queries.
Purple: the share decided by position, teal: by content. Click a bar to pick the head.</source>
        <translation>每个注意力头的位置依赖程度：在各 key 上计算 var(w[i−j]) / (var(w[i−j]) + var(q·k/√d))，再对各 query 取平均。
紫色：由位置决定的份额，青色：由内容决定的份额。点击柱条即可选择该注意力头。</translation>
    </message>
</context>
<context>
    <name>HeadStatsChart</name>
    <message>
        <source>distance (px)</source>
        <translation>距离（像素）</translation>
    </message>
    <message>
        <source>positional share</source>
        <translation>位置占比</translation>
    </message>
    <message>
        <source>entropy (nats)</source>
        <translation>熵（nats）</translation>
    </message>
    <message>
        <source>depth: Transformer block</source>
        <translation>深度：Transformer 块</translation>
    </message>
    <message>
        <source>no Transformer blocks</source>
        <translation>没有 Transformer 块</translation>
    </message>
    <message>
        <source>content-led</source>
        <translation>内容主导</translation>
    </message>
    <message>
        <source>position-led</source>
        <translation>位置主导</translation>
    </message>
    <message>
        <source>shown</source>
        <translation>当前显示</translation>
    </message>
    <message>
        <source>{block} head {head}: distance {distance:.1f} px · {positional:.0%} positional · entropy {entropy:.2f} nats (uniform {uniform:.2f})</source>
        <translation>{block} 注意力头 {head}：距离 {distance:.1f} 像素 · 位置占比 {positional:.0%} · 熵 {entropy:.2f} nats（均匀分布 {uniform:.2f}）</translation>
    </message>
    <message>
        <source>One point per head. Click a point to show that head&apos;s map; right-click to save the chart.</source>
        <translation>每个注意力头一个点。点击一个点显示该头的热力图；右键保存图表。</translation>
    </message>
    <message>
        <source>Save as PNG…</source>
        <translation>另存为 PNG…</translation>
    </message>
</context>
<context>
    <name>ImageTab</name>
    <message>
        <source>Hover over the image to read the map&apos;s value; click (or use the arrow keys) to move the query point.</source>
        <translation>将鼠标悬停在图像上可读取热力图的数值；点击（或使用方向键）可移动查询点。</translation>
    </message>
    <message>
        <source>Hover over the image to read the map&apos;s value; a click shows the attention from that point.</source>
        <translation>将鼠标悬停在图像上可读取热力图的数值；点击可显示从该点出发的注意力。</translation>
    </message>
    <message>
        <source>Hover over the image to read the map&apos;s value.</source>
        <translation>将鼠标悬停在图像上可读取热力图的数值。</translation>
    </message>
    <message>
        <source>Click to set the query point; arrow keys move it by one token</source>
        <translation>点击设置查询点；方向键每次移动一个 token</translation>
    </message>
    <message>
        <source>Hover to read the map&apos;s value under the cursor</source>
        <translation>悬停可读取光标处热力图的数值</translation>
    </message>
    <message>
        <source>The value of the overlay under the cursor, on the block&apos;s own token grid</source>
        <translation>光标处叠加图的数值（按该块自身的 token 网格）</translation>
    </message>
    <message>
        <source>Prediction</source>
        <translation>预测</translation>
    </message>
    <message>
        <source>Overlay</source>
        <translation>叠加图</translation>
    </message>
    <message>
        <source>Checks</source>
        <translation>检验</translation>
    </message>
</context>
<context>
    <name>ImageView</name>
    <message>
        <source>Find similar images here</source>
        <translation>查找与此处相似的图像</translation>
    </message>
    <message>
        <source>The audited images most like this region (the Audit tab&apos;s Similar page)</source>
        <translation>与此区域最相似的已审查图像（审查标签页的“相似”页）</translation>
    </message>
    <message>
        <source>pixel ({x}, {y})</source>
        <translation>像素 ({x}, {y})</translation>
    </message>
    <message>
        <source>{title} · {unit} {value:.4g} at token ({row}, {column})</source>
        <translation>{title} · {unit} {value:.4g}，位于 token ({row}, {column})</translation>
    </message>
</context>
<context>
    <name>KeepOneControl</name>
    <message>
        <source>Keep one…</source>
        <translation>每组保留一个…</translation>
    </message>
    <message>
        <source>Keep one file per duplicate group and move the others into a folder, with undo</source>
        <translation>每个重复分组保留一个文件，其余移入一个文件夹，可撤销</translation>
    </message>
    <message>
        <source>Undo keep one</source>
        <translation>撤销保留一个</translation>
    </message>
    <message>
        <source>Move the files the last keep one moved back where they were</source>
        <translation>将上一次“保留一个”移走的文件移回原处</translation>
    </message>
    <message>
        <source>No duplicate group to keep one of.</source>
        <translation>没有可保留一个的重复分组。</translation>
    </message>
    <message>
        <source> (first: {error})</source>
        <translation>（首个：{error}）</translation>
    </message>
    <message>
        <source>Keep one: {summary}{first}. Manifest: {manifest}.</source>
        <translation>保留一个：{summary}{first}。清单：{manifest}。</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Moving duplicates…</source>
        <translation>正在移动重复项…</translation>
    </message>
    <message>
        <source>Undo keep one: {report}</source>
        <translation>撤销保留一个：{report}</translation>
    </message>
    <message>
        <source>Moving duplicates back…</source>
        <translation>正在移回重复项…</translation>
    </message>
    <message>
        <source>Nothing moved: {error}</source>
        <translation>未移动任何文件：{error}</translation>
    </message>
</context>
<context>
    <name>KeepOneDialog</name>
    <message>
        <source>Keep one per duplicate group</source>
        <translation>每个重复分组保留一个</translation>
    </message>
    <message>
        <source>{groups:,} groups: one file stays in each, {moving:,} files move into the folder below, at their paths inside the audited folder. Undo keep one moves them back.</source>
        <translation>{groups:,} 个分组：每组保留一个文件，{moving:,} 个文件将移入下方的文件夹，保持其在被审查文件夹中的相对路径。“撤销保留一个”可将其移回。</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Goes to</source>
        <translation>移至</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Move {n:,} files</source>
        <translation>移动 {n:,} 个文件</translation>
    </message>
    <message>
        <source>Move into:</source>
        <translation>移入：</translation>
    </message>
    <message>
        <source>Move the duplicates into</source>
        <translation>将重复项移入</translation>
    </message>
    <message>
        <source>Choose a folder to move the duplicates into.</source>
        <translation>请选择一个文件夹来存放重复项。</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>Group {number}: keep {kept}</source>
        <translation>分组 {number}：保留 {kept}</translation>
    </message>
    <message>
        <source>move {path}</source>
        <translation>移动 {path}</translation>
    </message>
    <message>
        <source>stays (outside the folder)</source>
        <translation>保留（在文件夹之外）</translation>
    </message>
</context>
<context>
    <name>LabelFixer</name>
    <message>
        <source>Nothing to change: the rows already have those classes.</source>
        <translation>无需更改：这些行已经是这些类别。</translation>
    </message>
    <message>
        <source>Set {n:,} rows of the run.</source>
        <translation>已设置运行中的 {n:,} 行。</translation>
    </message>
    <message>
        <source>Undone: {n:,} rows of the run are back as they were.</source>
        <translation>已撤销：运行中的 {n:,} 行已恢复原样。</translation>
    </message>
    <message>
        <source>Undone: {name} is back as it was.</source>
        <translation>已撤销：{name} 已恢复原样。</translation>
    </message>
    <message>
        <source>; {n:,} left as they are (first: {reason})</source>
        <translation>；{n:,} 个保持不变（首个：{reason}）</translation>
    </message>
    <message>
        <source>Moved {n:,} files{refused}.</source>
        <translation>已移动 {n:,} 个文件{refused}。</translation>
    </message>
    <message>
        <source>Nothing moved{refused}.</source>
        <translation>未移动任何文件{refused}。</translation>
    </message>
    <message>
        <source>Set {n:,} rows of {name}.</source>
        <translation>已设置 {name} 中的 {n:,} 行。</translation>
    </message>
    <message>
        <source>Nothing changed: {error}</source>
        <translation>未做任何更改：{error}</translation>
    </message>
    <message>
        <source>Changing labels…</source>
        <translation>正在更改标签…</translation>
    </message>
</context>
<context>
    <name>LanguageMenu</name>
    <message>
        <source>&amp;System language</source>
        <translation>跟随系统(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>The language changes when CoAtNet Lens starts again.</source>
        <translation>语言将在 CoAtNet Lens 重新启动后生效。</translation>
    </message>
</context>
<context>
    <name>LiveSession</name>
    <message>
        <source>The fast pass could not be prepared; frames stay on PyTorch: {message}</source>
        <translation>无法准备快速通道，帧继续由 PyTorch 处理：{message}</translation>
    </message>
    <message>
        <source>Preparing the fast pass (OpenVINO) for the Live tab…</source>
        <translation>正在为实时标签页准备快速通道（OpenVINO）…</translation>
    </message>
    <message>
        <source>Timeline: {n:,} frames classified.</source>
        <translation>时间轴：已分类 {n:,} 帧。</translation>
    </message>
    <message>
        <source>Timeline stopped: {message}</source>
        <translation>时间轴已停止：{message}</translation>
    </message>
    <message>
        <source>Timeline cancelled after {n:,} frames.</source>
        <translation>时间轴在分类 {n:,} 帧后已取消。</translation>
    </message>
    <message>
        <source>Classifying the video&apos;s frames…</source>
        <translation>正在对视频的帧进行分类…</translation>
    </message>
    <message>
        <source>There are no frame rows to export yet.</source>
        <translation>还没有可导出的帧行。</translation>
    </message>
    <message>
        <source>Exporting the frame rows…</source>
        <translation>正在导出帧行…</translation>
    </message>
    <message>
        <source>{fps} fps · latency {ms} ms · {n:,} dropped</source>
        <translation>{fps} 帧/秒 · 延迟 {ms} 毫秒 · 丢弃 {n:,} 帧</translation>
    </message>
    <message>
        <source>Frames without a map: {runtime}</source>
        <translation>无热图的帧：{runtime}</translation>
    </message>
</context>
<context>
    <name>LiveTab</name>
    <message>
        <source>Videos (*.mp4 *.m4v *.mov *.mkv *.webm *.avi *.mpg *.mpeg *.ogv *.gif);;All files (*)</source>
        <translation>视频 (*.mp4 *.m4v *.mov *.mkv *.webm *.avi *.mpg *.mpeg *.ogv *.gif);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Grad-CAM</source>
        <translation>Grad-CAM 类激活图</translation>
    </message>
    <message>
        <source>Attention</source>
        <translation>注意力</translation>
    </message>
    <message>
        <source>Activations</source>
        <translation>激活</translation>
    </message>
    <message>
        <source>{n}st</source>
        <translation>{n}</translation>
    </message>
    <message>
        <source>{n}nd</source>
        <translation>{n}</translation>
    </message>
    <message>
        <source>{n}rd</source>
        <translation>{n}</translation>
    </message>
    <message>
        <source>{n}th</source>
        <translation>{n}</translation>
    </message>
    <message>
        <source>Video file</source>
        <translation>视频文件</translation>
    </message>
    <message>
        <source>A video file, or one of the cameras found</source>
        <translation>视频文件，或找到的某个摄像头</translation>
    </message>
    <message>
        <source>Open video…</source>
        <translation>打开视频…</translation>
    </message>
    <message>
        <source>Play a video file in the Live tab</source>
        <translation>在实时标签页中播放视频文件</translation>
    </message>
    <message>
        <source>Source:</source>
        <translation>来源：</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>Play or pause the video (Space)</source>
        <translation>播放或暂停视频（空格键）</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>单步</translation>
    </message>
    <message>
        <source>Pause and show the next frame (.)</source>
        <translation>暂停并显示下一帧 (.)</translation>
    </message>
    <message>
        <source>Drag to show another moment of the video</source>
        <translation>拖动以显示视频的其他时刻</translation>
    </message>
    <message>
        <source>smooth over </source>
        <translation>平滑 </translation>
    </message>
    <message>
        <source> frame(s)</source>
        <translation> 帧</translation>
    </message>
    <message>
        <source>The top-5 of the class probabilities averaged over the last N frames (1: none)</source>
        <translation>前 5 名取自最近 N 帧的类别概率平均值（1：不平滑）</translation>
    </message>
    <message>
        <source>Keep each map on its own frame</source>
        <translation>让每张图留在它自己的帧上</translation>
    </message>
    <message>
        <source>While frames run, the picture moves on when a map is made, so a map never trails a moving object (Grad-CAM every 3rd frame: a third of the frame rate). Off: the video plays at its pace under the last map.</source>
        <translation>帧在运行时，画面在一张图算好时才前进，因此图不会落后于移动的物体（每 3 帧一次 Grad-CAM：帧率的三分之一）。关闭：视频按自己的节奏播放，上面是最近的一张图。</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <source>Prediction</source>
        <translation>预测</translation>
    </message>
    <message>
        <source>Overlay</source>
        <translation>叠加图</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Camera: {name}</source>
        <translation>摄像头：{name}</translation>
    </message>
    <message>
        <source>The timeline is for video files.</source>
        <translation>时间轴仅适用于视频文件。</translation>
    </message>
    <message>
        <source>Starting {name}…</source>
        <translation>正在启动 {name}…</translation>
    </message>
    <message>
        <source>Open a video file</source>
        <translation>打开视频文件</translation>
    </message>
    <message>
        <source>Opening…</source>
        <translation>正在打开…</translation>
    </message>
    <message>
        <source> (the frames between on {runtime})</source>
        <translation>（其间的帧由 {runtime} 处理）</translation>
    </message>
    <message>
        <source>{kind} on every frame</source>
        <translation>{kind}：每帧计算</translation>
    </message>
    <message>
        <source>{kind} every {ordinal} frame</source>
        <translation>{kind}：每 {ordinal} 帧计算一次</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;Image</source>
        <translation>图像(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Batch</source>
        <translation>批量(&amp;B)</translation>
    </message>
    <message>
        <source>Audit</source>
        <translation>审查</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <source>No model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <source>A batch run with unexported results can be resumed in the Batch tab (Ctrl+B).</source>
        <translation>有 1 个含未导出结果的批量运行可在批量标签页中继续（Ctrl+B）。</translation>
    </message>
    <message>
        <source>{n} batch runs with unexported results can be resumed in the Batch tab (Ctrl+B).</source>
        <translation>有 {n} 个含未导出结果的批量运行可在批量标签页中继续（Ctrl+B）。</translation>
    </message>
    <message>
        <source>{name} could not be opened.</source>
        <translation>无法打开 {name}。</translation>
    </message>
    <message>
        <source>{name} (could not be opened)</source>
        <translation>{name}（无法打开）</translation>
    </message>
    <message>
        <source>no model loaded</source>
        <translation>未加载模型</translation>
    </message>
</context>
<context>
    <name>MapCanvas</name>
    <message>
        <source>No map yet</source>
        <translation>尚无分布图</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>given: {name}</source>
        <translation>现有标签：{name}</translation>
    </message>
    <message>
        <source>suggested: {name} (suspect {suspect:.2f})</source>
        <translation>建议标签：{name}（可疑度 {suspect:.2f}）</translation>
    </message>
</context>
<context>
    <name>MapPage</name>
    <message>
        <source>Show map</source>
        <translation>显示分布图</translation>
    </message>
    <message>
        <source>Map the audited images by their features (PCA at once, then refined)</source>
        <translation>按特征绘制已审查图像的分布图（先立即给出 PCA，再细化）</translation>
    </message>
    <message>
        <source>Audit first: the map places similar images together.</source>
        <translation>请先审查：分布图会把相似的图像放在一起。</translation>
    </message>
    <message>
        <source>Set class for these…</source>
        <translation>为这些图像设置类别…</translation>
    </message>
    <message>
        <source>Show all</source>
        <translation>全部显示</translation>
    </message>
    <message>
        <source>Map</source>
        <translation>分布图</translation>
    </message>
    <message>
        <source>Drag to lasso points; wheel to zoom; right-drag to pan; click a point to select its row.</source>
        <translation>拖动以套索选点；滚轮缩放；右键拖动平移；点击一个点选中其所在行。</translation>
    </message>
    <message>
        <source>Showing {n:,} lassoed rows —</source>
        <translation>正在显示套索选中的 {n:,} 行 —</translation>
    </message>
</context>
<context>
    <name>Menus</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open images…</source>
        <translation>打开图像(&amp;O)…</translation>
    </message>
    <message>
        <source>Open &amp;folder for batch labelling…</source>
        <translation>打开文件夹进行批量标注(&amp;F)…</translation>
    </message>
    <message>
        <source>&amp;Paste image</source>
        <translation>粘贴图像(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Recent files</source>
        <translation>最近的文件(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Samples</source>
        <translation>示例(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Save view as PNG…</source>
        <translation>将视图另存为 PNG(&amp;S)…</translation>
    </message>
    <message>
        <source>Save raw &amp;map as .npy…</source>
        <translation>将原始热力图另存为 .npy(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;Export sheet…</source>
        <translation>导出解释报告(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;Copy view</source>
        <translation>复制视图(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Image tab</source>
        <translation>图像标签页(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Batch tab</source>
        <translation>批量标签页(&amp;B)</translation>
    </message>
    <message>
        <source>A&amp;udit tab</source>
        <translation>审查标签页(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Live tab (camera, video)</source>
        <translation>实时标签页（摄像头、视频）(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Next image</source>
        <translation>下一张图像(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Previous image</source>
        <translation>上一张图像(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Overlay</source>
        <translation>叠加图(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Teach your classes…</source>
        <translation>教模型认识你的类别(&amp;T)…</translation>
    </message>
    <message>
        <source>Setti&amp;ngs</source>
        <translation>设置(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;About CoAtNet Lens</source>
        <translation>关于 CoAtNet Lens(&amp;A)</translation>
    </message>
    <message>
        <source>Live: play or pause</source>
        <translation>实时：播放或暂停</translation>
    </message>
    <message>
        <source>Live: step one frame</source>
        <translation>实时：前进一帧</translation>
    </message>
    <message>
        <source>Live: snapshot to the Image tab</source>
        <translation>实时：快照发送到图像标签页</translation>
    </message>
    <message>
        <source>&amp;Show overlay</source>
        <translation>显示叠加图(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Relative attention</source>
        <translation>相对注意力(&amp;R)</translation>
    </message>
    <message>
        <source>Conv &amp;activations</source>
        <translation>卷积激活(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Grad-CAM</source>
        <translation>Grad-CAM 类激活图(&amp;G)</translation>
    </message>
    <message>
        <source>Next &amp;block</source>
        <translation>下一个块(&amp;B)</translation>
    </message>
    <message>
        <source>Previous b&amp;lock</source>
        <translation>上一个块(&amp;L)</translation>
    </message>
    <message>
        <source>Next &amp;head</source>
        <translation>下一个注意力头(&amp;H)</translation>
    </message>
    <message>
        <source>Previous h&amp;ead</source>
        <translation>上一个注意力头(&amp;E)</translation>
    </message>
    <message>
        <source>Next &amp;mode</source>
        <translation>下一个模式(&amp;M)</translation>
    </message>
    <message>
        <source>Previous m&amp;ode</source>
        <translation>上一个模式(&amp;O)</translation>
    </message>
    <message>
        <source>More o&amp;paque</source>
        <translation>更不透明(&amp;P)</translation>
    </message>
    <message>
        <source>More &amp;transparent</source>
        <translation>更透明(&amp;T)</translation>
    </message>
    <message>
        <source>Next &amp;colour map</source>
        <translation>下一个色图(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Query point to the centre</source>
        <translation>查询点移到中心(&amp;Q)</translation>
    </message>
    <message>
        <source>Grad-CAM of class #{rank}</source>
        <translation>第 {rank} 名类别的 Grad-CAM</translation>
    </message>
    <message>
        <source>{path} (not found)</source>
        <translation>{path}（未找到）</translation>
    </message>
    <message>
        <source>Clear recent files</source>
        <translation>清除最近的文件</translation>
    </message>
    <message>
        <source>No recent files</source>
        <translation>没有最近的文件</translation>
    </message>
</context>
<context>
    <name>MessageBanner</name>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>ModelMenu</name>
    <message>
        <source>&amp;Automatic</source>
        <translation>自动(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;CUDA (NVIDIA GPU)</source>
        <translation>&amp;CUDA（NVIDIA GPU）</translation>
    </message>
    <message>
        <source>&amp;MPS (Apple GPU)</source>
        <translation>&amp;MPS（Apple GPU）</translation>
    </message>
    <message>
        <source>C&amp;PU</source>
        <translation>C&amp;PU</translation>
    </message>
    <message>
        <source>Bundled: Fashion-MNIST CoAtNet</source>
        <translation>内置：Fashion-MNIST CoAtNet</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Bundled: Fashion-MNIST CoAtNet (offline)</source>
        <translation>内置：Fashion-MNIST CoAtNet（离线）(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Public ImageNet checkpoints</source>
        <translation>公开的 ImageNet 检查点(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Recent models</source>
        <translation>最近的模型(&amp;R)</translation>
    </message>
    <message>
        <source>Ta&amp;ught models</source>
        <translation>教出的模型(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Open checkpoint…</source>
        <translation>打开检查点(&amp;O)…</translation>
    </message>
    <message>
        <source>A .safetensors / .pth / .pt / .bin file, a hub folder&apos;s weights, or an exported .onnx (predictions only)</source>
        <translation>一个 .safetensors / .pth / .pt / .bin 文件、hub 文件夹中的权重，或导出的 .onnx（仅预测）</translation>
    </message>
    <message>
        <source>&amp;Cancel download</source>
        <translation>取消下载(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Device</source>
        <translation>设备(&amp;D)</translation>
    </message>
    <message>
        <source>Running on: —</source>
        <translation>运行于：—</translation>
    </message>
    <message>
        <source>No recent models</source>
        <translation>没有最近的模型</translation>
    </message>
    <message>
        <source>No taught models yet (Model ▸ Teach your classes…)</source>
        <translation>还没有教出的模型（模型 ▸ 教模型认识你的类别…）</translation>
    </message>
    <message>
        <source>cached</source>
        <translation>已缓存</translation>
    </message>
    <message>
        <source>download</source>
        <translation>需下载</translation>
    </message>
    <message>
        <source>{tag}   —   {mb} MB · {where}</source>
        <translation>{tag}   —   {mb} MB · {where}</translation>
    </message>
    <message>
        <source>{n} classes ({labels}), input {side} px</source>
        <translation>{n} 个类别（{labels}），输入 {side} 像素</translation>
    </message>
    <message>
        <source>Running on: {device}, {precision}</source>
        <translation>运行于：{device}，{precision}</translation>
    </message>
</context>
<context>
    <name>ModelStatus</name>
    <message>
        <source>Using the bundled model instead.</source>
        <translation>改用内置模型。</translation>
    </message>
</context>
<context>
    <name>ModelTexts</name>
    <message>
        <source>Relative attention</source>
        <translation>相对注意力</translation>
    </message>
    <message>
        <source>Conv activations</source>
        <translation>卷积激活</translation>
    </message>
    <message>
        <source>Grad-CAM</source>
        <translation>Grad-CAM 类激活图</translation>
    </message>
    <message>
        <source>From the query point</source>
        <translation>从查询点出发</translation>
    </message>
    <message>
        <source>Attention received</source>
        <translation>被关注度</translation>
    </message>
    <message>
        <source>Rollout, all tokens</source>
        <translation>注意力展开（Rollout），所有 token</translation>
    </message>
    <message>
        <source>Rollout from the query</source>
        <translation>从查询点的注意力展开（Rollout）</translation>
    </message>
    <message>
        <source>Split: content | position | full</source>
        <translation>拆分：内容 | 位置 | 完整</translation>
    </message>
    <message>
        <source>Content only, softmax(q·k/√d)</source>
        <translation>仅内容，softmax(q·k/√d)</translation>
    </message>
    <message>
        <source>Position only, softmax(w[i−j])</source>
        <translation>仅位置，softmax(w[i−j])</translation>
    </message>
    <message>
        <source>Learned bias w[i−j] at the query</source>
        <translation>查询点处学到的偏置 w[i−j]</translation>
    </message>
    <message>
        <source>Mean |activation|</source>
        <translation>平均 |激活|</translation>
    </message>
    <message>
        <source>One channel</source>
        <translation>单个通道</translation>
    </message>
    <message>
        <source>Strongest channels</source>
        <translation>最强的通道</translation>
    </message>
    <message>
        <source>a blurred copy of the image</source>
        <translation>图像的模糊副本</translation>
    </message>
    <message>
        <source>the training data&apos;s mean colour</source>
        <translation>训练数据的平均颜色</translation>
    </message>
    <message>
        <source>noise with the training data&apos;s mean and spread</source>
        <translation>符合训练数据均值和方差的噪声</translation>
    </message>
    <message>
        <source>ROAD&apos;s noisy linear imputation from the neighbours</source>
        <translation>ROAD 基于相邻像素的带噪线性插补</translation>
    </message>
    <message>
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>label</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>duplicate</source>
        <translation>重复</translation>
    </message>
    <message>
        <source>near-duplicate</source>
        <translation>近似重复</translation>
    </message>
    <message>
        <source>outlier</source>
        <translation>离群点</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>attention weight</source>
        <translation>注意力权重</translation>
    </message>
    <message>
        <source>rollout weight</source>
        <translation>展开权重</translation>
    </message>
    <message>
        <source>bias (logit)</source>
        <translation>偏置（logit）</translation>
    </message>
    <message>
        <source>activation</source>
        <translation>激活</translation>
    </message>
    <message>
        <source>S0 stem ({channels} ch, {h}x{w})</source>
        <translation>S0 stem 主干（{channels} 通道，{h}x{w}）</translation>
    </message>
    <message>
        <source>S{stage}.{index} MBConv ({channels} ch, {h}x{w})</source>
        <translation>S{stage}.{index} MBConv 卷积（{channels} 通道，{h}x{w}）</translation>
    </message>
    <message>
        <source>S{stage}.{index} attention ({heads} heads, {h}x{w})</source>
        <translation>S{stage}.{index} 注意力（{heads} 个头，{h}x{w}）</translation>
    </message>
    <message>
        <source>mean of heads</source>
        <translation>各头平均</translation>
    </message>
    <message>
        <source>all heads</source>
        <translation>所有头</translation>
    </message>
    <message>
        <source>head {h}</source>
        <translation>注意力头 {h}</translation>
    </message>
    <message>
        <source>query token ({row}, {column})</source>
        <translation>查询 token ({row}, {column})</translation>
    </message>
    <message>
        <source>Grad-CAM for “{name}”</source>
        <translation>“{name}”的 Grad-CAM 类激活图</translation>
    </message>
    <message>
        <source>Grad-CAM for “{name}” vs “{other}”: what favours {name} over {other}</source>
        <translation>“{name}”对比“{other}”的 Grad-CAM：哪些区域更支持 {name} 而非 {other}</translation>
    </message>
    <message>
        <source>channel {c}</source>
        <translation>通道 {c}</translation>
    </message>
    <message>
        <source>the {n} channels with the largest mean |activation|</source>
        <translation>平均 |激活| 最大的 {n} 个通道</translation>
    </message>
    <message>
        <source>mean |activation|</source>
        <translation>平均 |激活|</translation>
    </message>
    <message>
        <source>rollout through {n} Transformer block(s) to {block}</source>
        <translation>经过 {n} 个 Transformer 块展开至 {block} 的注意力（Rollout）</translation>
    </message>
</context>
<context>
    <name>OfferBar</name>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Discard…</source>
        <translation>丢弃…</translation>
    </message>
    <message>
        <source>Undo discard</source>
        <translation>撤销丢弃</translation>
    </message>
    <message>
        <source>Discard run</source>
        <translation>丢弃运行</translation>
    </message>
</context>
<context>
    <name>Opener</name>
    <message>
        <source>Models (*.safetensors *.pth *.pt *.bin *.onnx);;ONNX, predictions only (*.onnx);;All files (*)</source>
        <translation>模型 (*.safetensors *.pth *.pt *.bin *.onnx);;ONNX，仅预测 (*.onnx);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Playing {name}; the Live tab plays one video at a time ({n} more left out)</source>
        <translation>正在播放 {name}；实时标签页一次只播放一个视频（其余 {n} 个未打开）</translation>
    </message>
    <message>
        <source>1 sub-folder of {name} with images not included — tick Include sub-folders</source>
        <translation>{name} 中有 1 个含图像的子文件夹未包含 — 请勾选“包含子文件夹”</translation>
    </message>
    <message>
        <source>{n} sub-folders of {name} with images not included — tick Include sub-folders</source>
        <translation>{name} 中有 {n} 个含图像的子文件夹未包含 — 请勾选“包含子文件夹”</translation>
    </message>
    <message>
        <source>Nothing to open there: drop or paste image files, a folder, or an image.</source>
        <translation>没有可打开的内容：请拖放或粘贴图像文件、文件夹或一张图像。</translation>
    </message>
    <message>
        <source>Open images</source>
        <translation>打开图像</translation>
    </message>
    <message>
        <source>Images ({patterns});;All files (*)</source>
        <translation>图像 ({patterns});;所有文件 (*)</translation>
    </message>
    <message>
        <source>Folder to label</source>
        <translation>要标注的文件夹</translation>
    </message>
    <message>
        <source>Open checkpoint</source>
        <translation>打开检查点</translation>
    </message>
</context>
<context>
    <name>OverlayControls</name>
    <message>
        <source>Show overlay</source>
        <translation>显示叠加图</translation>
    </message>
    <message>
        <source>&amp;Type</source>
        <translation>类型(&amp;T)</translation>
    </message>
    <message>
        <source>What to draw over the image</source>
        <translation>在图像上叠加绘制什么</translation>
    </message>
    <message>
        <source>Bloc&amp;k</source>
        <translation>块(&amp;K)</translation>
    </message>
    <message>
        <source>The block whose output or attention is shown</source>
        <translation>显示其输出或注意力的块</translation>
    </message>
    <message>
        <source>How the map is computed from what the forward pass captured</source>
        <translation>如何根据前向传播捕获的内容计算热力图</translation>
    </message>
    <message>
        <source>Mo&amp;de</source>
        <translation>模式(&amp;D)</translation>
    </message>
    <message>
        <source>H&amp;ead</source>
        <translation>注意力头(&amp;E)</translation>
    </message>
    <message>
        <source>One head, the mean over heads, or all heads side by side</source>
        <translation>单个头、各头的平均，或所有头并排显示</translation>
    </message>
    <message>
        <source>Channel index of the block&apos;s output</source>
        <translation>该块输出的通道索引</translation>
    </message>
    <message>
        <source>&amp;Channel</source>
        <translation>通道(&amp;C)</translation>
    </message>
    <message>
        <source>Grad-CAM for the top class again</source>
        <translation>重新显示最高类别的 Grad-CAM</translation>
    </message>
    <message>
        <source>C&amp;lass</source>
        <translation>类别(&amp;L)</translation>
    </message>
    <message>
        <source>To&amp;p class</source>
        <translation>最高类别(&amp;P)</translation>
    </message>
    <message>
        <source>Plain Grad-CAM of the class again, without a class B</source>
        <translation>重新显示该类别的普通 Grad-CAM，不对比类别 B</translation>
    </message>
    <message>
        <source>Ve&amp;rsus</source>
        <translation>对比(&amp;R)</translation>
    </message>
    <message>
        <source>Cle&amp;ar</source>
        <translation>清除(&amp;A)</translation>
    </message>
    <message>
        <source>Colour map of the overlay; signed maps (learned bias, one channel) use a diverging map (coolwarm, unless RdBu is chosen) over a range symmetric around 0</source>
        <translation>叠加图的色图；有正负号的热力图（学到的偏置、单个通道）使用发散色图（coolwarm，除非选择了 RdBu），取值范围关于 0 对称</translation>
    </message>
    <message>
        <source>Colo&amp;urs</source>
        <translation>色图(&amp;U)</translation>
    </message>
    <message>
        <source>Opacity of the overlay</source>
        <translation>叠加图的不透明度</translation>
    </message>
    <message>
        <source>Opacit&amp;y</source>
        <translation>不透明度(&amp;Y)</translation>
    </message>
    <message>
        <source>How positional is each head? {position} position {content} content</source>
        <translation>每个注意力头有多依赖位置？{position} 位置 {content} 内容</translation>
    </message>
    <message>
        <source>Grad-CAM for any class of the model: type part of its name, or click a prediction bar</source>
        <translation>模型任一类别的 Grad-CAM：输入类别名称的一部分，或点击预测条</translation>
    </message>
    <message>
        <source>top class · type to search</source>
        <translation>最高类别 · 输入以搜索</translation>
    </message>
    <message>
        <source>Why A and not B: Grad-CAM of logit A − logit B shows the regions that favour the Grad-CAM class over this one. Ctrl+click (Cmd+click) a prediction bar to set it; Clear to go back</source>
        <translation>为什么是 A 而不是 B：logit A − logit B 的 Grad-CAM 显示更支持 Grad-CAM 类别而非此类别的区域。Ctrl+点击（Cmd+点击）预测条即可设置；点“清除”返回</translation>
    </message>
    <message>
        <source>none · Ctrl+click a bar</source>
        <translation>无 · Ctrl+点击预测条</translation>
    </message>
    <message>
        <source>Mean of heads</source>
        <translation>各头平均</translation>
    </message>
    <message>
        <source>Head {h}</source>
        <translation>注意力头 {h}</translation>
    </message>
    <message>
        <source>All heads (grid)</source>
        <translation>所有头（网格）</translation>
    </message>
</context>
<context>
    <name>Paint</name>
    <message>
        <source>{unit} · each panel coloured over its own range, symmetric around 0</source>
        <translation>{unit} · 每个面板按各自的取值范围着色，关于 0 对称</translation>
    </message>
    <message>
        <source>{unit} · each panel coloured over its own range</source>
        <translation>{unit} · 每个面板按各自的取值范围着色</translation>
    </message>
</context>
<context>
    <name>PredictionPanel</name>
    <message>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>config {name}</source>
        <translation>配置 {name}</translation>
    </message>
    <message>
        <source>Label set: &lt;b&gt;{name}&lt;/b&gt;</source>
        <translation>标签集：&lt;b&gt;{name}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>This model only answers with these {n} classes, whatever the image shows.</source>
        <translation>无论图像内容是什么，该模型只会在这 {n} 个类别中作答。</translation>
    </message>
    <message>
        <source>the CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>Runs on {device}, {precision}</source>
        <translation>运行于 {device}，{precision}</translation>
    </message>
    <message>
        <source>Inference {ms:.0f} ms ({precision})</source>
        <translation>推理 {ms:.0f} 毫秒（{precision}）</translation>
    </message>
    <message>
        <source> · explanation {ms:.0f} ms (fp32)</source>
        <translation> · 解释 {ms:.0f} 毫秒（fp32）</translation>
    </message>
</context>
<context>
    <name>RelabelDialog</name>
    <message>
        <source>Relabel: the changes</source>
        <translation>重新标注：变化</translation>
    </message>
    <message>
        <source>The new labels come from {model}.</source>
        <translation>新标签来自 {model}。</translation>
    </message>
    <message>
        <source>From</source>
        <translation>原类别</translation>
    </message>
    <message>
        <source>To</source>
        <translation>新类别</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>图像数</translation>
    </message>
    <message>
        <source>Use the new labels</source>
        <translation>使用新标签</translation>
    </message>
    <message>
        <source>Keep this relabelled run; Undo relabel brings the old labels back later</source>
        <translation>保留这次重新标注的运行；之后可用“撤销重新标注”恢复旧标签</translation>
    </message>
    <message>
        <source>Keep the old labels</source>
        <translation>保留旧标签</translation>
    </message>
    <message>
        <source>Show the run as it was before the relabel and discard the relabelled one</source>
        <translation>显示重新标注之前的运行，并丢弃重新标注的运行</translation>
    </message>
</context>
<context>
    <name>RunBar</name>
    <message>
        <source>Choose or drop a folder of images</source>
        <translation>选择或拖入一个图像文件夹</translation>
    </message>
    <message>
        <source>Choose folder…</source>
        <translation>选择文件夹…</translation>
    </message>
    <message>
        <source>Include sub-folders</source>
        <translation>包含子文件夹</translation>
    </message>
    <message>
        <source>Save maps</source>
        <translation>保存热力图</translation>
    </message>
    <message>
        <source>Also save a Grad-CAM map per image: a .npy, an overlay PNG on the original (shown in the Map column) and its deletion score, in the app&apos;s data folder; exports name the files</source>
        <translation>同时为每张图像保存一张 Grad-CAM 热力图：一个 .npy、一张叠加在原图上的 PNG（显示在“热力图”列中）及其删除得分，存放在应用的数据文件夹中；导出时会列出这些文件</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>标注</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>No folder labelled yet.</source>
        <translation>尚未标注任何文件夹。</translation>
    </message>
    <message>
        <source>Scanning {path}…</source>
        <translation>正在扫描 {path}…</translation>
    </message>
    <message>
        <source>The run stopped: {message}</source>
        <translation>运行已停止：{message}</translation>
    </message>
    <message>
        <source>Label the images of</source>
        <translation>标注以下文件夹中的图像</translation>
    </message>
</context>
<context>
    <name>RunVersions</name>
    <message>
        <source>A run is going: relabel once it ends (or cancel it).</source>
        <translation>有运行正在进行：请在其结束后（或取消后）再重新标注。</translation>
    </message>
    <message>
        <source>{path} is not there any more.</source>
        <translation>{path} 已不存在。</translation>
    </message>
    <message>
        <source>{model} labelled this run already: teach or choose another model to relabel.</source>
        <translation>{model} 已标注过这次运行：请教出或选择另一个模型来重新标注。</translation>
    </message>
    <message>
        <source>The labels before the relabel are back.</source>
        <translation>已恢复重新标注之前的标签。</translation>
    </message>
</context>
<context>
    <name>Sanity</name>
    <message>
        <source>Grad-CAM</source>
        <translation>Grad-CAM 类激活图</translation>
    </message>
    <message>
        <source>rollout</source>
        <translation>注意力展开</translation>
    </message>
    <message>
        <source>received</source>
        <translation>被关注度</translation>
    </message>
    <message>
        <source>activation</source>
        <translation>激活</translation>
    </message>
    <message>
        <source>from a point</source>
        <translation>从某点出发</translation>
    </message>
    <message>
        <source>content only</source>
        <translation>仅内容</translation>
    </message>
    <message>
        <source>position only</source>
        <translation>仅位置</translation>
    </message>
    <message>
        <source>original</source>
        <translation>原始</translation>
    </message>
    <message>
        <source>head</source>
        <translation>分类头</translation>
    </message>
    <message>
        <source>stem</source>
        <translation>stem 主干</translation>
    </message>
    <message>
        <source>insensitive to the model</source>
        <translation>对模型不敏感</translation>
    </message>
    <message>
        <source>The network (a copy) is randomised from the head down, one part after another; after each step the map of the same image and class is computed again. A map still correlated above {threshold:g} with the original after the stem is random too does not depend on the model (Adebayo et al. 2018).</source>
        <translation>从分类头开始向下，逐部分随机化网络（的副本）；每一步之后，重新计算同一图像、同一类别的热力图。如果连 stem 也随机化后，热力图与原始热力图的相关性仍高于 {threshold:g}，说明它并不依赖模型（Adebayo 等，2018）。</translation>
    </message>
    <message>
        <source>randomised down to</source>
        <translation>随机化至</translation>
    </message>
    <message>
        <source>changes with the model</source>
        <translation>随模型变化</translation>
    </message>
    <message>
        <source>{name}: {spearman:.2f} — {flag} (other class: {other:.2f})</source>
        <translation>{name}：{spearman:.2f} — {flag}（其他类别：{other:.2f}）</translation>
    </message>
</context>
<context>
    <name>SanityView</name>
    <message>
        <source>Run sanity check</source>
        <translation>运行健全性检查</translation>
    </message>
    <message>
        <source>Randomise a copy of the network from the head down and see whether each kind of map changes (7 explanations of this image; the model in use is not touched)</source>
        <translation>从分类头向下随机化网络的副本，看每种热力图是否随之变化（对此图像做 7 次解释；不会改动正在使用的模型）</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Checks whether each map depends on the model&apos;s weights at all.</source>
        <translation>检查每种热力图是否真的依赖于模型的权重。</translation>
    </message>
    <message>
        <source>Randomising a copy of the network…</source>
        <translation>正在随机化网络的副本…</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>Randomising a copy of the network… {done}/{total} passes</source>
        <translation>正在随机化网络的副本… {done}/{total} 次</translation>
    </message>
    <message>
        <source>Every map changes with the model.</source>
        <translation>每种热力图都随模型变化。</translation>
    </message>
    <message>
        <source>Randomised head → stem (threshold Spearman {threshold:g}).</source>
        <translation>已从分类头随机化至 stem（Spearman 阈值 {threshold:g}）。</translation>
    </message>
    <message>
        <source>The sanity check failed: {message}</source>
        <translation>健全性检查失败：{message}</translation>
    </message>
</context>
<context>
    <name>ScoreTableView</name>
    <message>
        <source>random orders (95 %)</source>
        <translation>随机顺序（95 %）</translation>
    </message>
    <message>
        <source>Map</source>
        <translation>热力图</translation>
    </message>
    <message>
        <source>Deletion ↓</source>
        <translation>删除 ↓</translation>
    </message>
    <message>
        <source>Insertion ↑</source>
        <translation>插入 ↑</translation>
    </message>
    <message>
        <source>One map of each kind for the top class, most faithful first (lowest deletion area), each area with its verdict against several random orders: better, worse, or inconclusive (inside the random orders&apos; 95 % interval, or the model barely reacts to the fill). Below the maps: that interval. Click a row to show that map.</source>
        <translation>针对最高类别，每种热力图各一张，最忠实的排在最前（删除曲线面积最低），每个面积都附有与多个随机顺序对比的结论：更好、更差或无定论（落在随机顺序的 95 % 区间内，或模型对填充几乎没有反应）。热力图下方：该区间。点击一行即可显示该热力图。</translation>
    </message>
</context>
<context>
    <name>Session</name>
    <message>
        <source>Loading model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>Moving the model…</source>
        <translation>正在迁移模型…</translation>
    </message>
    <message>
        <source>Reading {name}…</source>
        <translation>正在读取 {name}…</translation>
    </message>
    <message>
        <source>Open an image first.</source>
        <translation>请先打开一张图像。</translation>
    </message>
    <message>
        <source>Scoring the map…</source>
        <translation>正在为热力图评分…</translation>
    </message>
    <message>
        <source>Could not score the map: {error}</source>
        <translation>无法为热力图评分：{error}</translation>
    </message>
    <message>
        <source>Open an image first: there are no maps to score.</source>
        <translation>请先打开一张图像：没有可评分的热力图。</translation>
    </message>
    <message>
        <source>Scoring every map…</source>
        <translation>正在为所有热力图评分…</translation>
    </message>
    <message>
        <source>Randomising a copy of the network…</source>
        <translation>正在随机化网络的副本…</translation>
    </message>
    <message>
        <source>Classifying…</source>
        <translation>正在分类…</translation>
    </message>
    <message>
        <source>Explaining…</source>
        <translation>正在解释…</translation>
    </message>
    <message>
        <source>Computing the overlay…</source>
        <translation>正在计算叠加图…</translation>
    </message>
</context>
<context>
    <name>Shortcuts</name>
    <message>
        <source>Image</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>Move the query point by one token</source>
        <translation>将查询点移动一个 token</translation>
    </message>
    <message>
        <source>Arrow keys (image focused)</source>
        <translation>方向键（图像获得焦点时）</translation>
    </message>
    <message>
        <source>Query point to the centre</source>
        <translation>查询点移到中心</translation>
    </message>
    <message>
        <source>Home (image focused)</source>
        <translation>Home（图像获得焦点时）</translation>
    </message>
    <message>
        <source>Prediction</source>
        <translation>预测</translation>
    </message>
    <message>
        <source>Grad-CAM of a class; Ctrl: why the Grad-CAM class and not this one</source>
        <translation>某一类别的 Grad-CAM 类激活图；Ctrl：为何是 Grad-CAM 类别而不是这一类</translation>
    </message>
    <message>
        <source>Space, Ctrl+Space</source>
        <translation>空格键，Ctrl+空格键</translation>
    </message>
    <message>
        <source>Batch table</source>
        <translation>批量表格</translation>
    </message>
    <message>
        <source>Open the image of the current row</source>
        <translation>打开当前行的图像</translation>
    </message>
    <message>
        <source>Enter</source>
        <translation>回车键（Enter）</translation>
    </message>
    <message>
        <source>Edit the Corrected class of the current row</source>
        <translation>编辑当前行的“已更正”类别</translation>
    </message>
    <message>
        <source>F2 (or Enter on the Corrected cell)</source>
        <translation>F2（或在“已更正”单元格上按 Enter）</translation>
    </message>
    <message>
        <source>Everywhere</source>
        <translation>任意位置</translation>
    </message>
    <message>
        <source>Next / previous control</source>
        <translation>下一个 / 上一个控件</translation>
    </message>
    <message>
        <source>Tab, Shift+Tab</source>
        <translation>Tab 键，Shift+Tab 键</translation>
    </message>
    <message>
        <source>Dialogs</source>
        <translation>对话框</translation>
    </message>
    <message>
        <source>Close without acting</source>
        <translation>关闭且不执行操作</translation>
    </message>
    <message>
        <source>Esc</source>
        <translation>Esc 键</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Menu</source>
        <translation>菜单</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Shortcut</source>
        <translation>快捷键</translation>
    </message>
</context>
<context>
    <name>SimilarLink</name>
    <message>
        <source>Similar</source>
        <translation>相似</translation>
    </message>
    <message>
        <source>Open an image and wait for its explanation first: the region&apos;s features come from it.</source>
        <translation>请先打开一张图像并等待其解释完成：该区域的特征来自解释结果。</translation>
    </message>
    <message>
        <source>Most like the region of {name} at token ({row}, {column}) of {rows}x{columns}</source>
        <translation>与 {name} 中 token ({row}, {column})（共 {rows}x{columns}）区域最相似</translation>
    </message>
    <message>
        <source>Computing the features of the region of {name}…</source>
        <translation>正在计算 {name} 中该区域的特征…</translation>
    </message>
    <message>
        <source>Features of the region…</source>
        <translation>区域特征…</translation>
    </message>
</context>
<context>
    <name>SimilarPage</name>
    <message>
        <source>Audit a folder first: similar images are searched among the audited images.</source>
        <translation>请先审查一个文件夹：相似图像会在已审查的图像中查找。</translation>
    </message>
    <message>
        <source>{name} has no features (unreadable): nothing to compare.</source>
        <translation>{name} 没有特征（无法读取）：无法比较。</translation>
    </message>
    <message>
        <source>Most like {name}</source>
        <translation>与 {name} 最相似</translation>
    </message>
    <message>
        <source>No model is loaded: the features of a dropped image come from the active model.</source>
        <translation>未加载模型：拖入图像的特征来自当前模型。</translation>
    </message>
    <message>
        <source>Computing the features of {name}…</source>
        <translation>正在计算 {name} 的特征…</translation>
    </message>
    <message>
        <source>Most like {name} (dropped)</source>
        <translation>与 {name}（拖入）最相似</translation>
    </message>
    <message>
        <source>Could not read {name}: {error}</source>
        <translation>无法读取 {name}：{error}</translation>
    </message>
    <message>
        <source>Features of {name}…</source>
        <translation>{name} 的特征…</translation>
    </message>
    <message>
        <source>The query has {n} features but the audit&apos;s images {width}: the audit was made with another model. Audit again with the active model.</source>
        <translation>查询有 {n} 个特征，但审查中的图像有 {width} 个：该审查是用另一个模型做的。请用当前模型重新审查。</translation>
    </message>
    <message>
        <source>{what}: searching…</source>
        <translation>{what}：正在搜索…</translation>
    </message>
    <message>
        <source>The search failed: {error}</source>
        <translation>搜索失败：{error}</translation>
    </message>
</context>
<context>
    <name>SimilarStrip</name>
    <message>
        <source>Select a row, drop an image here, or right-click the image in the Image tab: Find similar images here.</source>
        <translation>选择一行、将图像拖到此处，或在图像标签页中右键点击图像：查找与此处相似的图像。</translation>
    </message>
    <message>
        <source>unlabelled</source>
        <translation>未标注</translation>
    </message>
    <message>
        <source>Double-click or Enter opens an image; select several for Set class</source>
        <translation>双击或按 Enter 打开图像；多选后可设置类别</translation>
    </message>
    <message>
        <source>Set class for these…</source>
        <translation>为这些图像设置类别…</translation>
    </message>
    <message>
        <source>Give one class to the selected images, or to every image shown</source>
        <translation>为所选图像（或显示的所有图像）指定同一个类别</translation>
    </message>
    <message>
        <source>{query}: nothing found.</source>
        <translation>{query}：未找到。</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>given: {given}
similarity {similarity:.3f}</source>
        <translation>现有标签：{given}
相似度 {similarity:.3f}</translation>
    </message>
    <message>
        <source>Set class for these {n}…</source>
        <translation>为这 {n} 张图像设置类别…</translation>
    </message>
</context>
<context>
    <name>SortDialog</name>
    <message>
        <source>Sort into class folders</source>
        <translation>分拣到类别文件夹</translation>
    </message>
    <message>
        <source>{name} sorted</source>
        <translation>{name} 已分拣</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Copy (the originals stay where they are)</source>
        <translation>复制（原文件保留在原处）</translation>
    </message>
    <message>
        <source>Move (undo with “Undo sort”)</source>
        <translation>移动（可用“撤销分拣”撤销）</translation>
    </message>
    <message>
        <source>Only the {n:,} rows the table shows</source>
        <translation>仅表格中显示的 {n:,} 行</translation>
    </message>
    <message>
        <source>The {n:,} corrected images go to the class you gave them</source>
        <translation>{n:,} 张已更正的图像放入你指定的类别</translation>
    </message>
    <message>
        <source>Images below</source>
        <translation>置信度低于</translation>
    </message>
    <message>
        <source>Class folder / file</source>
        <translation>类别文件夹 / 文件</translation>
    </message>
    <message>
        <source>From</source>
        <translation>原位置</translation>
    </message>
    <message>
        <source>Sort</source>
        <translation>分拣</translation>
    </message>
    <message>
        <source>Into:</source>
        <translation>分拣到：</translation>
    </message>
    <message>
        <source>top-1 confidence go to an “uncertain” folder</source>
        <translation>top-1 置信度的图像放入“uncertain”（不确定）文件夹</translation>
    </message>
    <message>
        <source>Sort into</source>
        <translation>分拣到</translation>
    </message>
    <message>
        <source>Cannot sort: {error}</source>
        <translation>无法分拣：{error}</translation>
    </message>
    <message>
        <source>{folder}  ({n:,} files)</source>
        <translation>{folder}  （{n:,} 个文件）</translation>
    </message>
    <message>
        <source>Move {n:,} files</source>
        <translation>移动 {n:,} 个文件</translation>
    </message>
    <message>
        <source>Copy {n:,} files</source>
        <translation>复制 {n:,} 个文件</translation>
    </message>
    <message>
        <source>Move {n:,} files into {folders} folders under {dest}</source>
        <translation>将 {n:,} 个文件移动到 {dest} 下的 {folders} 个文件夹中</translation>
    </message>
    <message>
        <source>Copy {n:,} files into {folders} folders under {dest}</source>
        <translation>将 {n:,} 个文件复制到 {dest} 下的 {folders} 个文件夹中</translation>
    </message>
    <message>
        <source>; {n:,} get a numbered name because theirs is taken</source>
        <translation>；{n:,} 个文件因重名而改用编号名称</translation>
    </message>
    <message>
        <source>. Images that could not be labelled are left out. Nothing changes until you click “{button}”.</source>
        <translation>。无法标注的图像不包括在内。点击“{button}”之前不会有任何更改。</translation>
    </message>
    <message>
        <source> {n:,} video frames are left out: a frame is not a file, and a video is not one class.</source>
        <translation> {n:,} 个视频帧不参与分类：帧不是文件，一个视频也不属于单一类别。</translation>
    </message>
</context>
<context>
    <name>TeachDialog</name>
    <message>
        <source>Head only: the base frozen, its features cached (fast, also on a CPU)</source>
        <translation>仅训练分类头：冻结主干，缓存其特征（速度快，CPU 上也可用）</translation>
    </message>
    <message>
        <source>Fine-tune the last stage and the head (slow without a GPU)</source>
        <translation>微调最后一个阶段和分类头（没有 GPU 时较慢）</translation>
    </message>
    <message>
        <source>Reading features</source>
        <translation>正在读取特征</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>正在训练</translation>
    </message>
    <message>
        <source>Checking on held-out images</source>
        <translation>正在留出图像上检验</translation>
    </message>
    <message>
        <source>Teaching learns from every row of the run: a row you corrected counts with your class, a row you left counts with the model&apos;s label, as you accepted it. Raise this to use only the model&apos;s labels it is at least this sure of (the corrected rows always count). 0 %: every row, which measured best on Fashion-MNIST.</source>
        <translation>教学会从运行的每一行中学习：你更正过的行按你的类别计，未改动的行按模型的标签计（视为你已接受）。调高此值，则只使用模型至少有这么大把握的标签（已更正的行始终计入）。0 %：使用每一行，这在 Fashion-MNIST 上测得效果最好。</translation>
    </message>
    <message>
        <source>Teach your classes</source>
        <translation>教模型认识你的类别</translation>
    </message>
    <message>
        <source>This run&apos;s rows</source>
        <translation>本次运行的行</translation>
    </message>
    <message>
        <source>accept the model&apos;s label at or above </source>
        <translation>接受模型标签的置信度下限 </translation>
    </message>
    <message>
        <source>Labelled folder (one sub-folder per class):</source>
        <translation>已标注的文件夹（每个类别一个子文件夹）：</translation>
    </message>
    <message>
        <source>A folder with one sub-folder of images per class</source>
        <translation>每个类别一个图像子文件夹的文件夹</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>the mode&apos;s default</source>
        <translation>该模式的默认值</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <source>Base model:</source>
        <translation>基础模型：</translation>
    </message>
    <message>
        <source>Mode:</source>
        <translation>模式：</translation>
    </message>
    <message>
        <source>Epochs:</source>
        <translation>训练轮数：</translation>
    </message>
    <message>
        <source>Save the model as:</source>
        <translation>模型保存为：</translation>
    </message>
    <message>
        <source>Teach</source>
        <translation>开始教学</translation>
    </message>
    <message>
        <source>Cancel teaching</source>
        <translation>取消教学</translation>
    </message>
    <message>
        <source>Relabel the folder with it</source>
        <translation>用它重新标注文件夹</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Teach from:</source>
        <translation>教学数据来源：</translation>
    </message>
    <message>
        <source>no model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>This run&apos;s rows: no run is shown yet</source>
        <translation>本次运行的行：尚未显示任何运行</translation>
    </message>
    <message>
        <source>This run&apos;s rows: {images}, {corrected:,} corrected, {classes}</source>
        <translation>本次运行的行：{images}，{corrected:,} 张已更正，{classes}</translation>
    </message>
    <message>
        <source> (none corrected yet: the new model would only learn the labels this one gave)</source>
        <translation>（尚无更正：新模型只会学到本模型给出的标签）</translation>
    </message>
    <message>
        <source>{n:,} image</source>
        <translation>{n:,} 张图像</translation>
    </message>
    <message>
        <source>{n:,} images</source>
        <translation>{n:,} 张图像</translation>
    </message>
    <message>
        <source>{n:,} class</source>
        <translation>{n:,} 个类别</translation>
    </message>
    <message>
        <source>{n:,} classes</source>
        <translation>{n:,} 个类别</translation>
    </message>
    <message>
        <source>{path} is not a folder.</source>
        <translation>{path} 不是文件夹。</translation>
    </message>
    <message>
        <source>Nothing</source>
        <translation>（空）</translation>
    </message>
    <message>
        <source>No model is loaded to teach on yet.</source>
        <translation>尚未加载可供教学的模型。</translation>
    </message>
    <message>
        <source>Say where to save the model.</source>
        <translation>请指定模型的保存位置。</translation>
    </message>
    <message>
        <source>{path} exists already: choose another name (nothing is overwritten).</source>
        <translation>{path} 已存在：请换一个名称（不会覆盖任何文件）。</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <source>This run has no labelled rows to teach from (lower the floor, or label a folder first).</source>
        <translation>本次运行没有可用于教学的已标注行（请降低置信度下限，或先标注一个文件夹）。</translation>
    </message>
    <message>
        <source>Teaching needs at least two classes, and the run&apos;s rows give {classes}: give some rows another class in the table (Set class…), or lower the floor so that more of the model&apos;s labels count.</source>
        <translation>教学至少需要两个类别，而本次运行的行只有 {classes}：请在表格中为一些行指定其他类别（设置类别…），或降低置信度下限，让更多模型标签计入。</translation>
    </message>
    <message>
        <source> It is the active model now.</source>
        <translation> 它现在是当前模型。</translation>
    </message>
    <message>
        <source>{what}: {done:,} of {total:,} images</source>
        <translation>{what}：{done:,} / {total:,} 张图像</translation>
    </message>
    <message>
        <source>{what}: {done:,} of {total:,} epochs</source>
        <translation>{what}：{done:,} / {total:,} 轮</translation>
    </message>
    <message>
        <source>{what}…</source>
        <translation>{what}…</translation>
    </message>
    <message>
        <source>, held-out accuracy {accuracy:.1%}</source>
        <translation>，留出集准确率 {accuracy:.1%}</translation>
    </message>
    <message>
        <source> · loss {loss:.4f}</source>
        <translation> · 损失 {loss:.4f}</translation>
    </message>
    <message>
        <source> {n} files were skipped.</source>
        <translation> 跳过了 {n} 个文件。</translation>
    </message>
    <message>
        <source>Taught {classes} ({names}): held-out accuracy {accuracy:.1%}, features: {features}. Saved {path} (model card beside it).</source>
        <translation>已教会 {classes}（{names}）：留出集准确率 {accuracy:.1%}，特征：{features}。已保存 {path}（模型卡片在其旁边）。</translation>
    </message>
    <message>
        <source>Teaching failed: {message}</source>
        <translation>教学失败：{message}</translation>
    </message>
    <message>
        <source>Teaching cancelled; nothing was saved.</source>
        <translation>教学已取消；未保存任何内容。</translation>
    </message>
    <message>
        <source>Teach from the labelled folder</source>
        <translation>从已标注的文件夹教学</translation>
    </message>
    <message>
        <source>Save the taught model as</source>
        <translation>将教出的模型保存为</translation>
    </message>
    <message>
        <source>Checkpoints (*.safetensors)</source>
        <translation>检查点 (*.safetensors)</translation>
    </message>
</context>
<context>
    <name>TimelinePanel</name>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop classifying the file&apos;s frames</source>
        <translation>停止对文件的帧进行分类</translation>
    </message>
    <message>
        <source>Export rows…</source>
        <translation>导出行…</translation>
    </message>
    <message>
        <source>Write the classified frames as CSV or JSON Lines</source>
        <translation>将已分类的帧写为 CSV 或 JSON Lines 文件</translation>
    </message>
    <message>
        <source>Wrote {n:,} frame rows to {path}.</source>
        <translation>已将 {n:,} 条帧行写入 {path}。</translation>
    </message>
    <message>
        <source>Classifying frames: {done:,} of {total:,}…</source>
        <translation>正在分类帧：{done:,} / {total:,}…</translation>
    </message>
    <message>
        <source>Export the frame rows</source>
        <translation>导出帧行</translation>
    </message>
    <message>
        <source>CSV (*.csv);;JSON Lines (*.jsonl)</source>
        <translation>CSV (*.csv);;JSON Lines (*.jsonl)</translation>
    </message>
</context>
<context>
    <name>TimelineStrip</name>
    <message>
        <source>Top-1 class and confidence of each frame; click to show that frame</source>
        <translation>每帧的 Top-1 类别及置信度；点击即可显示该帧</translation>
    </message>
    <message>
        <source>Open a video file: its frames are classified here in the background.</source>
        <translation>打开视频文件：其帧会在后台分类并显示于此。</translation>
    </message>
    <message>
        <source>Classifying the frames…</source>
        <translation>正在对帧进行分类…</translation>
    </message>
    <message>
        <source>{time} s · {label} {confidence} — click to show this frame</source>
        <translation>{time} 秒 · {label} {confidence} — 点击显示此帧</translation>
    </message>
</context>
<context>
    <name>TrainingChart</name>
    <message>
        <source>epoch</source>
        <translation>轮次</translation>
    </message>
    <message>
        <source>● training loss</source>
        <translation>● 训练损失</translation>
    </message>
    <message>
        <source>held-out accuracy ●</source>
        <translation>留出集准确率 ●</translation>
    </message>
    <message>
        <source>The curves appear as the epochs end.</source>
        <translation>每轮结束后曲线会随之出现。</translation>
    </message>
</context>
<context>
    <name>ViewExport</name>
    <message>
        <source>Open an image first: there is no view to save.</source>
        <translation>请先打开一张图像：没有可保存的视图。</translation>
    </message>
    <message>
        <source>Saving {name}…</source>
        <translation>正在保存 {name}…</translation>
    </message>
    <message>
        <source>Saved the view to {path}</source>
        <translation>已将视图保存到 {path}</translation>
    </message>
    <message>
        <source>There is no overlay map to save yet.</source>
        <translation>还没有可保存的叠加热力图。</translation>
    </message>
    <message>
        <source>Could not write {path}: {error}.</source>
        <translation>无法写入 {path}：{error}。</translation>
    </message>
    <message>
        <source>Saved the map {shape} and its description to {path}</source>
        <translation>已将热力图 {shape} 及其说明保存到 {path}</translation>
    </message>
    <message>
        <source>Save view</source>
        <translation>保存视图</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>Save raw map</source>
        <translation>保存原始热力图</translation>
    </message>
    <message>
        <source>NumPy array (*.npy)</source>
        <translation>NumPy 数组 (*.npy)</translation>
    </message>
    <message>
        <source>Open an image first (and let it be explained): there is nothing to put on a sheet.</source>
        <translation>请先打开一张图像（并等待解释完成）：没有可放入报告的内容。</translation>
    </message>
    <message>
        <source>Exported the explanation sheet to {path}</source>
        <translation>已将解释报告导出到 {path}</translation>
    </message>
    <message>
        <source>Preparing {name}…</source>
        <translation>正在准备 {name}…</translation>
    </message>
    <message>
        <source>Scoring the maps for {name}…</source>
        <translation>正在为 {name} 的热力图评分…</translation>
    </message>
    <message>
        <source>Export explanation sheet</source>
        <translation>导出解释报告</translation>
    </message>
    <message>
        <source>Open an image first: there is no view to copy.</source>
        <translation>请先打开一张图像：没有可复制的视图。</translation>
    </message>
    <message>
        <source>Copied the view to the clipboard</source>
        <translation>已将视图复制到剪贴板</translation>
    </message>
</context>
<context>
    <name>Welcome</name>
    <message>
        <source>Drop images, a folder or a picture from your browser here</source>
        <translation>将图像、文件夹或浏览器中的图片拖放到这里</translation>
    </message>
    <message>
        <source>or open files with Ctrl+O, paste with Ctrl+V — or start with a sample:</source>
        <translation>或用 Ctrl+O 打开文件、Ctrl+V 粘贴 — 或从示例开始：</translation>
    </message>
    <message>
        <source>Open the sample {name}</source>
        <translation>打开示例 {name}</translation>
    </message>
</context>
</TS>
