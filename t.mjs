import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
echarts.use([BarChart, GridComponent, LegendComponent, SVGRenderer]);
const c = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 400, height: 200 });
c.setOption({ animation: false, xAxis: { type: 'category', data: ['a','b','c'] }, yAxis: {}, series: [{ type: 'bar', stack: 's', name: 'x', data: [1, 0, 3] }, { type: 'bar', stack: 's', name: 'y', data: [1, 0, 0] }] });
const s = c.renderToSVGString();
console.log(s.slice(0, 400)); console.log(s.match(/<path[^>]*ecmeta[^>]*>/g)?.slice(0,5));
